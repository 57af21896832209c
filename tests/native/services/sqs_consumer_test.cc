// SqsConsumer against the broker server over real HTTP: a poison message is refused at
// the door (logged and counted once, DLQ'd after max_receive_count quick receives) and
// the valid messages behind it are handled in order; a handler that throws fails only
// its own message, which is redelivered and then dead-lettered.
#include "native/services/common/sqs_consumer.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <chrono>
#include <future>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "tests/native/broker_server/broker_test_server.h"

namespace sluice::native {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

std::string event(const std::string& type, const std::string& order) {
  return json{{"eventType", type}, {"orderId", order}, {"idempotencyKey", type + "-" + order}}.dump();
}

// ConsumerUnderTest: an SqsConsumer on its own event loop, reading "q" (DLQ "q-dlq").
class ConsumerUnderTest {
 public:
  ConsumerUnderTest(std::uint16_t broker_port, SqsConsumer::Handler handler)
      : client_(io_, {.port = broker_port, .target_service = "broker"}),
        log_("test", spdlog::level::off),
        metrics_(registry_, "test"),
        consumer_(io_, client_,
                  {.queue = "q", .wait_seconds = 1, .visibility_timeout_seconds = 1, .max_receive_count = 2}, log_,
                  metrics_, std::move(handler)),
        work_(asio::make_work_guard(io_)) {
    asio::post(io_, [this] { consumer_.start(); });
    thread_ = std::thread([this] { io_.run(); });
  }
  ~ConsumerUnderTest() {
    io_.stop();
    thread_.join();
  }

  // counter: the value of a family's series whose labels include `label`="`value`".
  double counter(const std::string& family, const std::string& label, const std::string& value) {
    std::promise<double> total;
    asio::post(io_, [&] {
      double sum = 0;
      for (const auto& collected : registry_.Collect()) {
        if (collected.name != family) continue;
        for (const auto& metric : collected.metric) {
          for (const auto& pair : metric.label) {
            if (pair.name == label && pair.value == value) sum += metric.counter.value;
          }
        }
      }
      total.set_value(sum);
    });
    return total.get_future().get();
  }

 private:
  asio::io_context io_;
  HttpClient client_;
  JsonLog log_;
  prometheus::Registry registry_;
  ConsumerMetrics metrics_;
  SqsConsumer consumer_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::thread thread_;
};

class SqsConsumerTest : public ::testing::Test {
 protected:
  void send(const std::string& body) {
    const testing::HttpReply reply = server_.request(
        "POST", "/", json{{"QueueUrl", server_.base_url() + "/000000000000/q"}, {"MessageBody", body}}.dump(),
        "Content-Type: application/x-amz-json-1.0\r\nX-Amz-Target: AmazonSQS.SendMessage\r\n");
    ASSERT_EQ(reply.status, 200) << reply.body;
  }
  int depth(const std::string& queue) {
    const testing::HttpReply reply = server_.request(
        "POST", "/",
        json{{"QueueUrl", server_.base_url() + "/000000000000/" + queue}, {"AttributeNames", {"All"}}}.dump(),
        "Content-Type: application/x-amz-json-1.0\r\nX-Amz-Target: AmazonSQS.GetQueueAttributes\r\n");
    if (reply.status != 200) return -1;
    return std::stoi(reply.body["Attributes"]["ApproximateNumberOfMessages"].get<std::string>()) +
           std::stoi(reply.body["Attributes"]["ApproximateNumberOfMessagesNotVisible"].get<std::string>());
  }
  // eventually: polls `condition` for up to 20 s (the broker and the consumer run on their own threads).
  template <typename Condition>
  bool eventually(Condition condition) {
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < deadline) {
      if (condition()) return true;
      std::this_thread::sleep_for(10ms);
    }
    return condition();
  }

  std::vector<std::string> handled() {
    std::lock_guard lock(mutex_);
    return handled_;
  }

  testing::BrokerTestServer server_;
  std::mutex mutex_;
  std::vector<std::string> handled_;
};

TEST_F(SqsConsumerTest, APoisonMessageGoesToTheDlqAndTheMessagesBehindItFlow) {
  ConsumerUnderTest consumer(server_.server->port(),
                             [this](const ConsumedEvent& consumed, std::function<void(bool)> done) {
                               std::lock_guard lock(mutex_);
                               handled_.push_back(consumed.event.order_id);
                               done(true);
                             });
  ASSERT_TRUE(eventually([&] { return depth("q-dlq") == 0 && depth("q") == 0; }));  // declared
  send(event("OrderCreated", "ord_1"));
  send(R"({"eventType": 5, "orderId": "ord_poison", "idempotencyKey": "k"})");
  send("not json");
  send(event("OrderCreated", "ord_2"));
  ASSERT_TRUE(eventually([&] { return handled().size() == 2 && depth("q-dlq") == 2 && depth("q") == 0; }))
      << "handled " << handled().size() << ", dlq " << depth("q-dlq") << ", queue " << depth("q");
  EXPECT_EQ(handled(), (std::vector<std::string>{"ord_1", "ord_2"}));
  // Counted once each, by reason, however often they were received.
  EXPECT_EQ(consumer.counter("sluice_messages_rejected_total", "reason", "invalid_field"), 1);
  EXPECT_EQ(consumer.counter("sluice_messages_rejected_total", "reason", "not_json"), 1);
}

TEST_F(SqsConsumerTest, AHandlerThatThrowsFailsOnlyItsMessage) {
  ConsumerUnderTest consumer(server_.server->port(),
                             [this](const ConsumedEvent& consumed, std::function<void(bool)> done) {
                               if (consumed.event.order_id == "ord_bug")
                                 throw std::runtime_error("a bug in the handler");
                               std::lock_guard lock(mutex_);
                               handled_.push_back(consumed.event.order_id);
                               done(true);
                             });
  ASSERT_TRUE(eventually([&] { return depth("q-dlq") == 0 && depth("q") == 0; }));
  send(event("OrderCreated", "ord_bug"));
  send(event("OrderCreated", "ord_3"));
  // Redelivered after its visibility timeout, thrown on again, then dead-lettered.
  ASSERT_TRUE(eventually([&] { return handled().size() == 1 && depth("q-dlq") == 1 && depth("q") == 0; }))
      << "handled " << handled().size() << ", dlq " << depth("q-dlq") << ", queue " << depth("q");
  EXPECT_EQ(handled(), std::vector<std::string>{"ord_3"});
  EXPECT_EQ(consumer.counter("sluice_message_handler_failures_total", "queue", "q"), 2);  // each of its 2 receives
}

}  // namespace
}  // namespace sluice::native
