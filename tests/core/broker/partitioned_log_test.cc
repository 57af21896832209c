#include "core/broker/partitioned_log.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "core/time/manual_clock.h"

namespace sluice::broker {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;

std::vector<std::int64_t> offsets(const Result<std::vector<LogRecord>>& records) {
  std::vector<std::int64_t> out;
  for (const LogRecord& r : *records) out.push_back(r.offset);
  return out;
}

std::vector<std::string> values(const Result<std::vector<LogRecord>>& records) {
  std::vector<std::string> out;
  for (const LogRecord& r : *records) out.push_back(r.value);
  return out;
}

TEST(KafkaPartitionerTest, Murmur2MatchesKafkasOwnTestVectors) {
  // From Kafka's UtilsTest.testMurmur2.
  EXPECT_EQ(kafka_murmur2("21"), -973932308);
  EXPECT_EQ(kafka_murmur2("foobar"), -790332482);
  EXPECT_EQ(kafka_murmur2("a-little-bit-long-string"), -985981536);
  EXPECT_EQ(kafka_murmur2("a-little-bit-longer-string"), -1486304829);
  EXPECT_EQ(kafka_murmur2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"), -58897971);
  EXPECT_EQ(kafka_murmur2("abc"), 479470107);
}

TEST(KafkaPartitionerTest, KeysLandWhereKafkasDefaultPartitionerPutsThem) {
  // toPositive clears the sign bit: -973932308 -> 1173551340; -790332482 -> 1357151166.
  EXPECT_EQ(kafka_partition_for_key("21", 10), 0u);
  EXPECT_EQ(kafka_partition_for_key("foobar", 10), 6u);
  EXPECT_EQ(kafka_partition_for_key("foobar", 3), 0u);
  EXPECT_EQ(kafka_partition_for_key("abc", 7), 479470107u % 7);
}

TEST(TopicTest, OffsetsRisePerPartitionAndFetchReadsFromAnOffset) {
  time::ManualClock clock;
  Topic topic("orders", {.partitions = 3}, clock);
  std::vector<AppendResult> appended;
  for (int i = 0; i < 5; ++i) appended.push_back(*topic.append({.key = "ord_1", .value = "v" + std::to_string(i)}));
  const std::uint32_t partition = kafka_partition_for_key("ord_1", 3);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(appended[i].partition, partition);  // one key, one partition: order per key
    EXPECT_EQ(appended[i].offset, i);
  }
  EXPECT_THAT(values(topic.fetch(partition, 2, 10)), ElementsAre("v2", "v3", "v4"));
  EXPECT_THAT(values(topic.fetch(partition, 0, 2)), ElementsAre("v0", "v1"));
  EXPECT_TRUE(topic.fetch(partition, 5, 10)->empty());  // at the end: nothing yet
  EXPECT_EQ(topic.fetch(partition, 6, 10).status().reason(), kafka_error::kOffsetOutOfRange);
  EXPECT_EQ(topic.fetch(3, 0, 10).status().reason(), kafka_error::kUnknownTopicOrPartition);
  EXPECT_EQ(*topic.end_offset(partition), 5);
}

TEST(TopicTest, RecordsWithoutKeysGoRoundRobin) {
  time::ManualClock clock;
  Topic topic("clicks", {.partitions = 3}, clock);
  std::vector<std::uint32_t> partitions;
  for (int i = 0; i < 6; ++i) partitions.push_back(topic.append({.value = "x"})->partition);
  EXPECT_THAT(partitions, ElementsAre(0u, 1u, 2u, 0u, 1u, 2u));
  EXPECT_EQ(topic.append({.value = "x", .partition = 2})->partition, 2u);
  EXPECT_EQ(topic.append({.value = "x", .partition = 9}).status().reason(), kafka_error::kUnknownTopicOrPartition);
}

TEST(TopicTest, SeekingByTimeFindsTheFirstRecordAtOrAfterIt) {
  time::ManualClock clock;
  Topic topic("orders", {}, clock);
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(topic.append({.value = "at " + std::to_string(i) + "s"}).ok());
    clock.advance(1s);
  }
  EXPECT_EQ(*topic.offset_for_time(0, time::Instant(1500ms)), 2);
  EXPECT_EQ(*topic.offset_for_time(0, time::Instant(2s)), 2);
  EXPECT_EQ(*topic.offset_for_time(0, time::Instant(0s)), 0);
  EXPECT_EQ(*topic.offset_for_time(0, time::Instant(1h)), 4);  // nothing that late: the end
}

TEST(TopicTest, RetentionDropsOldRecordsAndMovesTheLogStart) {
  time::ManualClock clock;
  Topic topic("orders", {.retention_time = 10s, .retention_bytes = 6}, clock);
  ASSERT_TRUE(topic.append({.value = "aa"}).ok());
  clock.advance(5s);
  ASSERT_TRUE(topic.append({.value = "bb"}).ok());
  ASSERT_TRUE(topic.append({.value = "cc"}).ok());
  EXPECT_EQ(topic.enforce_retention(), 0u);  // 6 bytes, nothing 10 s old
  ASSERT_TRUE(topic.append({.value = "dd"}).ok());
  EXPECT_EQ(topic.enforce_retention(), 1u);  // 8 bytes > 6: the oldest goes
  EXPECT_EQ(*topic.log_start_offset(0), 1);
  EXPECT_EQ(topic.fetch(0, 0, 10).status().reason(), kafka_error::kOffsetOutOfRange);
  clock.advance(10s);
  EXPECT_EQ(topic.enforce_retention(), 3u);  // all 10 s old now
  EXPECT_EQ(*topic.log_start_offset(0), 4);
  EXPECT_EQ(*topic.end_offset(0), 4);
}

TEST(TopicTest, CompactionKeepsEachKeysLatestRecordAndTheOffsets) {
  time::ManualClock clock;
  Topic topic("stock", {.compacted = true}, clock);
  for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{
           {"SKU-1", "10"}, {"SKU-2", "5"}, {"SKU-1", "9"}, {"SKU-1", "8"}, {"SKU-2", "4"}}) {
    ASSERT_TRUE(topic.append({.key = key, .value = value}).ok());
  }
  EXPECT_EQ(topic.compact(), 3u);
  const auto records = topic.fetch(0, 0, 10);
  EXPECT_THAT(offsets(records), ElementsAre(3, 4));
  EXPECT_THAT(values(records), ElementsAre("8", "4"));
  EXPECT_THAT(values(topic.fetch(0, 1, 10)), ElementsAre("8", "4"));  // from inside a gap
  EXPECT_EQ(topic.append({.value = "no key"}).status().reason(), kafka_error::kInvalidRecord);

  Topic plain("events", {}, clock);
  ASSERT_TRUE(plain.append({.key = "k", .value = "1"}).ok());
  ASSERT_TRUE(plain.append({.key = "k", .value = "2"}).ok());
  EXPECT_EQ(plain.compact(), 0u);  // not a compacted topic
}

TEST(TopicTest, AnIdempotentProducersRetriesAreAppendedOnce) {
  time::ManualClock clock;
  Topic topic("payments", {}, clock);
  const AppendResult first = *topic.append({.value = "charge", .producer = ProducerSequence{7, 0}});
  const AppendResult retry = *topic.append({.value = "charge", .producer = ProducerSequence{7, 0}});
  EXPECT_TRUE(retry.duplicate);
  EXPECT_EQ(retry.offset, first.offset);
  EXPECT_EQ(*topic.end_offset(0), 1);
  EXPECT_FALSE(topic.append({.value = "refund", .producer = ProducerSequence{7, 1}})->duplicate);
  EXPECT_EQ(topic.append({.value = "lost?", .producer = ProducerSequence{7, 3}}).status().reason(),
            kafka_error::kOutOfOrderSequenceNumber);  // sequence 2 never arrived
  EXPECT_FALSE(topic.append({.value = "other", .producer = ProducerSequence{8, 0}})->duplicate);  // per producer
  for (int s = 2; s < 9; ++s) ASSERT_TRUE(topic.append({.value = "x", .producer = ProducerSequence{7, s}}).ok());
  EXPECT_EQ(topic.append({.value = "ancient", .producer = ProducerSequence{7, 1}}).status().reason(),
            kafka_error::kDuplicateSequenceNumber);  // older than the last five
}

TEST(TopicTest, RecordsAndConfigAreBounded) {
  time::ManualClock clock;
  Topic topic("tiny", {.max_record_bytes = 4, .max_records_per_partition = 2}, clock);
  EXPECT_EQ(topic.append({.value = "12345"}).status().reason(), kafka_error::kMessageTooLarge);
  ASSERT_TRUE(topic.append({.value = "a"}).ok());
  ASSERT_TRUE(topic.append({.value = "b"}).ok());
  EXPECT_EQ(topic.append({.value = "c"}).status().reason(), kafka_error::kPolicyViolation);
  EXPECT_EQ((TopicConfig{.partitions = 0}).validate().message(), "partitions must be from 1 to 1000; got 0");
}

}  // namespace
}  // namespace sluice::broker
