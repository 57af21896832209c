// SynchronizedBroker under threads: what several producers and consumers send through
// one queue arrives exactly once, and callbacks may call the broker again. Run under
// --config=tsan too; the single-caller behaviour is in the conformance suite.
#include "core/broker/synchronized_broker.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/broker/in_memory_broker.h"
#include "core/time/virtual_time.h"

namespace sluice::broker {
namespace {

using namespace std::chrono_literals;

class SynchronizedBrokerTest : public ::testing::Test {
 protected:
  time::VirtualTime time_;
  SynchronizedBroker broker_{time_,
                             [](time::Scheduler& s) { return std::make_unique<InMemoryBroker>(s, time::Prng(3)); }};

  // Receives now from any thread. VirtualTime is not thread-safe, so it is moved under
  // the broker's lock; the answer may be delivered by another thread's run, under the
  // same lock, which is why it is read there too.
  std::vector<BrokerMessage> receive_now(std::string_view queue) {
    auto answer = std::make_shared<std::optional<Result<std::vector<BrokerMessage>>>>();
    broker_.receive(queue, {.max_messages = 10, .wait = 0s},
                    [answer](Result<std::vector<BrokerMessage>> r) { *answer = std::move(r); });
    return broker_.locked([&] {
      time_.run_for(0s);
      if (!answer->has_value() || !(*answer)->ok()) {
        ADD_FAILURE() << "receive did not answer";
        return std::vector<BrokerMessage>{};
      }
      return std::move(***answer);
    });
  }
};

TEST_F(SynchronizedBrokerTest, TwoProducersAndTwoConsumersLoseAndDuplicateNothing) {
  ASSERT_TRUE(broker_.create_queue("work", {}).ok());
  constexpr int kPerProducer = 5'000;
  constexpr int kTotal = 2 * kPerProducer;
  std::atomic<int> received{0};
  std::vector<std::string> seen[2];

  auto produce = [&](int producer) {
    for (int i = 0; i < kPerProducer; ++i) {
      ASSERT_TRUE(broker_.send("work", {.body = std::to_string(producer) + "-" + std::to_string(i)}).ok());
    }
  };
  auto consume = [&](int consumer) {
    while (received.load() < kTotal) {
      for (BrokerMessage& m : receive_now("work")) {
        ASSERT_TRUE(broker_.delete_message("work", m.message.receipt_handle).ok());
        seen[consumer].push_back(std::move(m.message.body));
        received.fetch_add(1);
      }
    }
  };
  { std::jthread p0(produce, 0), p1(produce, 1), c0(consume, 0), c1(consume, 1); }

  std::map<std::string, int> deliveries;
  for (const auto& bodies : seen) {
    for (const std::string& body : bodies) ++deliveries[body];
  }
  EXPECT_EQ(deliveries.size(), static_cast<std::size_t>(kTotal));
  for (const auto& [body, count] : deliveries) EXPECT_EQ(count, 1) << body;
  auto stats = broker_.queue_stats("work");
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->visible, 0u);
  EXPECT_EQ(stats->in_flight, 0u);
  EXPECT_EQ(stats->deleted, static_cast<std::uint64_t>(kTotal));
}

TEST_F(SynchronizedBrokerTest, CallbacksMayCallTheBrokerAgain) {
  ASSERT_TRUE(broker_.create_queue("work", {}).ok());
  std::optional<Status> deleted;
  broker_.receive("work", {.max_messages = 1, .wait = 20s}, [&](Result<std::vector<BrokerMessage>> r) {
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->size(), 1u);
    deleted = broker_.delete_message("work", (*r)[0].message.receipt_handle).status();
  });
  ASSERT_TRUE(broker_.send("work", {.body = "x"}).ok());
  time_.run_for(0s);  // the long poll is answered from a timer callback, under the lock

  ASSERT_TRUE(deleted.has_value());
  EXPECT_TRUE(deleted->ok());
  EXPECT_EQ(broker_.queue_stats("work")->deleted, 1u);
}

TEST_F(SynchronizedBrokerTest, LongPollExpiryStillFiresThroughTheWrapper) {
  ASSERT_TRUE(broker_.create_queue("work", {}).ok());
  std::optional<std::size_t> got;
  broker_.receive("work", {.max_messages = 1, .wait = 20s},
                  [&](Result<std::vector<BrokerMessage>> r) { got = r.ok() ? r->size() : 99; });
  time_.run_for(19s);
  EXPECT_FALSE(got.has_value());
  time_.run_for(1s);
  EXPECT_EQ(got, 0u);
}

}  // namespace
}  // namespace sluice::broker
