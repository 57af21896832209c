#include "core/broker/consumer_group.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/time/virtual_time.h"
#include "tests/testing/event_recorder.h"

namespace sluice::broker {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using testing::EventRecorder;
using ::testing::IsEmpty;

class ConsumerGroupTest : public ::testing::Test {
 protected:
  time::VirtualTime time_;
  Topic topic_{"orders", {.partitions = 7}, time_};
  EventRecorder events_;
};

TEST_F(ConsumerGroupTest, RangeAssignmentSplitsPartitionsIntoRunsAsKafkaDoes) {
  ConsumerGroup group("analytics", topic_, time_, {.assignment = Assignment::kRange}, &events_);
  EXPECT_EQ(*group.join("c1"), 1u);
  EXPECT_THAT(group.assignment("c1"), ElementsAre(0u, 1u, 2u, 3u, 4u, 5u, 6u));
  EXPECT_EQ(*group.join("c2"), 2u);
  EXPECT_EQ(*group.join("c3"), 3u);
  // 7 partitions over 3 members: 3, 2, 2, in member-id order.
  EXPECT_THAT(group.assignment("c1"), ElementsAre(0u, 1u, 2u));
  EXPECT_THAT(group.assignment("c2"), ElementsAre(3u, 4u));
  EXPECT_THAT(group.assignment("c3"), ElementsAre(5u, 6u));
  EXPECT_EQ(events_.lines.back(), "log.rebalanced generation=3 members=3");
}

TEST_F(ConsumerGroupTest, RoundRobinDealsPartitionsInTurn) {
  ConsumerGroup group("analytics", topic_, time_, {.assignment = Assignment::kRoundRobin});
  ASSERT_TRUE(group.join("b").ok());
  ASSERT_TRUE(group.join("a").ok());
  EXPECT_THAT(group.assignment("a"), ElementsAre(0u, 2u, 4u, 6u));
  EXPECT_THAT(group.assignment("b"), ElementsAre(1u, 3u, 5u));
}

TEST_F(ConsumerGroupTest, AMemberThatStopsHeartbeatingIsRebalancedAway) {
  ConsumerGroup group("analytics", topic_, time_, {.session_timeout = 10s});
  ASSERT_TRUE(group.join("alive").ok());
  ASSERT_TRUE(group.join("silent").ok());
  for (int i = 0; i < 3; ++i) {
    time_.run_for(5s);
    ASSERT_TRUE(group.heartbeat("alive").ok());
  }
  // 15 s without a heartbeat from "silent" (session timeout 10 s): it was removed at 10 s.
  EXPECT_THAT(group.members(), ElementsAre("alive"));
  EXPECT_EQ(group.assignment("alive").size(), 7u);
  EXPECT_EQ(group.heartbeat("silent").reason(), kafka_error::kUnknownMemberId);
  EXPECT_EQ(group.generation(), 3u);
}

TEST_F(ConsumerGroupTest, CommitsNeedTheCurrentGenerationAndOwnershipAndSurviveRebalances) {
  ConsumerGroup group("analytics", topic_, time_);
  const std::uint64_t first = *group.join("c1");
  ASSERT_TRUE(group.commit("c1", first, 6, 42).ok());
  const std::uint64_t second = *group.join("c2");  // c2 now owns the later partitions
  EXPECT_EQ(group.commit("c1", first, 0, 1).reason(), kafka_error::kIllegalGeneration);    // stale generation
  EXPECT_EQ(group.commit("c1", second, 6, 50).reason(), kafka_error::kIllegalGeneration);  // no longer c1's
  EXPECT_EQ(group.committed(6), 42);  // unchanged, and kept across the rebalance
  ASSERT_TRUE(group.commit("c2", second, 6, 50).ok());
  EXPECT_EQ(group.committed(6), 50);
  EXPECT_EQ(group.committed(0), std::nullopt);
  EXPECT_EQ(group.commit("stranger", second, 0, 1).reason(), kafka_error::kUnknownMemberId);
}

TEST_F(ConsumerGroupTest, LeavingHandsPartitionsToTheOthers) {
  ConsumerGroup group("analytics", topic_, time_);
  ASSERT_TRUE(group.join("c1").ok());
  ASSERT_TRUE(group.join("c2").ok());
  ASSERT_TRUE(group.leave("c1").ok());
  EXPECT_THAT(group.assignment("c1"), IsEmpty());
  EXPECT_EQ(group.assignment("c2").size(), 7u);
  EXPECT_EQ(group.leave("c1").reason(), kafka_error::kUnknownMemberId);
}

TEST_F(ConsumerGroupTest, TheGroupIsBounded) {
  ConsumerGroup group("analytics", topic_, time_, {.max_members = 1});
  ASSERT_TRUE(group.join("c1").ok());
  EXPECT_EQ(group.join("c2").status().reason(), kafka_error::kGroupMaxSizeReached);
  EXPECT_TRUE(group.join("c1").ok());  // re-joining is fine
}

}  // namespace
}  // namespace sluice::broker
