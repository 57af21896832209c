// The RabbitMQ backend across a broker restart (SLUICE_RABBITMQ_RESTART, from
// tests/testing/with_rabbitmq.sh, restarts the server's broker: every connection
// drops, durable queues and persistent messages stay). The client reconnects on its
// next call, declares again what it had, resubscribes its consumers and sends again a
// publish whose confirm never came: no confirmed message is lost.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/time/virtual_time.h"
#include "tests/native/amqp/amqp_backend.h"

namespace sluice::native {
namespace {

using namespace std::chrono_literals;

void restart_rabbitmq() {
  const char* restart = std::getenv("SLUICE_RABBITMQ_RESTART");
  ASSERT_NE(restart, nullptr) << "run under tests/testing/with_rabbitmq.sh";
  ASSERT_EQ(std::system(restart), 0) << "restarting RabbitMQ failed";
}

class AmqpReconnectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    broker_ = testing::connect_amqp(time_);
    ASSERT_NE(broker_, nullptr);
  }
  void TearDown() override {
    if (broker_) {
      EXPECT_TRUE(broker_->delete_declared().ok());
    }
  }

  // drain: every message in `queue`, each deleted once received; body -> times seen.
  std::map<std::string, int> drain(std::string_view queue) {
    std::map<std::string, int> seen;
    for (;;) {
      std::optional<Result<std::vector<broker::BrokerMessage>>> answer;
      broker_->receive(queue, {.max_messages = 10, .wait = 0s}, [&](auto r) { answer = std::move(r); });
      time_.run_for(0s);
      if (!answer || !answer->ok() || (*answer)->empty()) break;
      for (const broker::BrokerMessage& m : **answer) {
        ++seen[m.message.body];
        EXPECT_EQ(*broker_->delete_message(queue, m.message.receipt_handle), broker::DeleteResult::kDeleted);
      }
    }
    return seen;
  }

  time::VirtualTime time_;
  std::unique_ptr<AmqpBroker> broker_;
};

TEST_F(AmqpReconnectTest, NoConfirmedMessageIsLostAcrossARestart) {
  ASSERT_TRUE(broker_->create_queue("orders", {}).ok());
  ASSERT_TRUE(broker_->declare_exchange("events", broker::ExchangeType::kFanout).ok());
  ASSERT_TRUE(broker_->bind_queue("orders", "events", "", {}).ok());
  constexpr int kMessages = 200;
  const std::uint64_t generation = broker_->session().generation();
  for (int i = 0; i < kMessages; ++i) {
    if (i == kMessages / 2) restart_rabbitmq();
    // Every call confirmed: the half after the restart reconnects first.
    const std::string body = "order-" + std::to_string(i);
    if (i % 2 == 0) {
      ASSERT_TRUE(broker_->send("orders", {.body = body}).ok()) << body;
    } else {
      const Result<std::vector<std::string>> routed = broker_->publish("events", "", {}, {.body = body}, false);
      ASSERT_TRUE(routed.ok()) << body << ": " << routed.status().message();
      ASSERT_EQ(*routed, std::vector<std::string>{"orders"}) << "the binding was declared again";
    }
  }
  EXPECT_GT(broker_->session().generation(), generation) << "the restart was not noticed";
  const std::map<std::string, int> seen = drain("orders");
  for (int i = 0; i < kMessages; ++i) {
    EXPECT_GE(seen.count("order-" + std::to_string(i)), 1u) << "lost: order-" << i;
  }
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(kMessages));
}

TEST_F(AmqpReconnectTest, AConsumerIsSubscribedAgainAfterARestart) {
  ASSERT_TRUE(broker_->declare_amqp_queue("jobs", {}).ok());
  ASSERT_TRUE(broker_->declare_exchange("work", broker::ExchangeType::kDirect).ok());
  ASSERT_TRUE(broker_->bind_queue("jobs", "work", "resize", {}).ok());
  std::vector<std::string> got;
  ASSERT_TRUE(broker_
                  ->consume("jobs", "worker", 10,
                            [&](const broker::AmqpDelivery& d) {
                              got.push_back(d.body);
                              EXPECT_TRUE(broker_->ack("jobs", d.delivery_tag, false).ok());
                            })
                  .ok());
  const auto pump_until = [&](std::size_t count) {
    for (int i = 0; i < 500 && got.size() < count; ++i) {
      broker_->pump(20ms);
      time_.run_for(0s);
    }
  };
  ASSERT_TRUE(broker_->publish("work", "resize", {}, {.body = "before"}, true).ok());
  pump_until(1);
  restart_rabbitmq();
  ASSERT_TRUE(broker_->publish("work", "resize", {}, {.body = "after"}, true).ok());
  pump_until(2);
  EXPECT_EQ(got, (std::vector<std::string>{"before", "after"}));
}

TEST_F(AmqpReconnectTest, WhatWasInFlightIsDeliveredAgainAndItsOldHandleIsStale) {
  ASSERT_TRUE(broker_->create_queue("payments", {}).ok());
  ASSERT_TRUE(broker_->send("payments", {.body = "charge"}).ok());
  std::optional<Result<std::vector<broker::BrokerMessage>>> first;
  broker_->receive("payments", {.max_messages = 1, .wait = 0s}, [&](auto r) { first = std::move(r); });
  time_.run_for(0s);
  ASSERT_TRUE(first && first->ok() && (*first)->size() == 1u);
  const std::string old_handle = (**first)[0].message.receipt_handle;
  restart_rabbitmq();
  // The server took it back when the connection dropped: received again, and only the
  // new handle deletes it.
  std::optional<Result<std::vector<broker::BrokerMessage>>> again;
  broker_->receive("payments", {.max_messages = 1, .wait = 0s}, [&](auto r) { again = std::move(r); });
  time_.run_for(0s);
  ASSERT_TRUE(again && again->ok() && (*again)->size() == 1u);
  const broker::ReceivedMessage& redelivered = (**again)[0].message;
  EXPECT_EQ(redelivered.body, "charge");
  EXPECT_EQ(*broker_->delete_message("payments", old_handle), broker::DeleteResult::kStaleHandle);
  EXPECT_EQ(*broker_->delete_message("payments", redelivered.receipt_handle), broker::DeleteResult::kDeleted);
  EXPECT_TRUE(drain("payments").empty());
}

}  // namespace
}  // namespace sluice::native
