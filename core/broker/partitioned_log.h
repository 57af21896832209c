// partitioned_log.h: Topic, a Kafka-style partitioned log: records appended to
// partitions, read by offset, kept by time and size or compacted by key.
//
//   Topic topic("orders", {.partitions = 6}, clock);
//   Result<AppendResult> at = topic.append({.key = "ord_abc123", .value = event});
//   Result<std::vector<LogRecord>> records = topic.fetch(at->partition, 0, 100);
//   int64_t replay_from = *topic.offset_for_time(0, yesterday);  // seek by timestamp
//
// A keyed record goes to partition toPositive(murmur2(key)) % partitions, the same
// partition number a Kafka producer's default partitioner picks; records without a key
// go round robin. Offsets in a partition rise by one per record and are never reused;
// retention removes records from the front (log start offset moves up), compaction
// keeps each key's latest record and leaves gaps in the offsets.
//
// Idempotent producers: a record carrying (producer id, sequence) is appended once.
// A sequence already seen (among the last five) is a duplicate: nothing is appended
// and the first append's offset is returned; a sequence that skips ahead is refused
// (OUT_OF_ORDER_SEQUENCE_NUMBER), as Kafka does per producer and partition.
//
// Errors carry Kafka's error names as Status::reason(). O(log n) per fetch, O(1) per
// append. Externally synchronised.
#ifndef SLUICE_CORE_BROKER_PARTITIONED_LOG_H_
#define SLUICE_CORE_BROKER_PARTITIONED_LOG_H_

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"
#include "core/broker/exchange_router.h"
#include "core/observe/event.h"
#include "core/time/clock.h"

namespace sluice::broker {

namespace kafka_error {
inline constexpr std::string_view kUnknownTopicOrPartition = "UNKNOWN_TOPIC_OR_PARTITION";
inline constexpr std::string_view kOffsetOutOfRange = "OFFSET_OUT_OF_RANGE";
inline constexpr std::string_view kMessageTooLarge = "MESSAGE_TOO_LARGE";
inline constexpr std::string_view kInvalidRecord = "INVALID_RECORD";
inline constexpr std::string_view kOutOfOrderSequenceNumber = "OUT_OF_ORDER_SEQUENCE_NUMBER";
inline constexpr std::string_view kDuplicateSequenceNumber = "DUPLICATE_SEQUENCE_NUMBER";
inline constexpr std::string_view kPolicyViolation = "POLICY_VIOLATION";
inline constexpr std::string_view kInvalidConfig = "INVALID_CONFIG";
}  // namespace kafka_error

// kafka_murmur2: Kafka's Utils.murmur2 of `data`, as a signed 32-bit value.
std::int32_t kafka_murmur2(std::string_view data);

// kafka_partition_for_key: the partition Kafka's default partitioner picks for a key.
std::uint32_t kafka_partition_for_key(std::string_view key, std::uint32_t partitions);

struct TopicConfig {
  std::uint32_t partitions = 1;                                // 1 to 1000
  time::Duration retention_time = std::chrono::hours(24 * 7);  // 0: keep forever
  std::uint64_t retention_bytes = 0;                           // per partition; 0: no limit
  bool compacted = false;                                      // cleanup.policy=compact
  std::uint32_t max_record_bytes = 1024 * 1024;
  std::uint64_t max_records_per_partition = 10'000'000;  // sluice's own bound

  Status validate() const;
};

struct LogRecord {
  std::int64_t offset = 0;
  std::optional<std::string> key;
  std::string value;
  Headers headers;
  time::Instant timestamp;
};

// ProducerSequence: an idempotent producer's id and the record's sequence number in
// that partition (0 for its first record there).
struct ProducerSequence {
  std::int64_t producer_id = 0;
  std::int32_t sequence = 0;
};

struct AppendRequest {
  std::optional<std::string> key;
  std::string value;
  Headers headers;
  std::optional<std::uint32_t> partition;  // explicit, overrides the key
  std::optional<ProducerSequence> producer;
};

struct AppendResult {
  std::uint32_t partition = 0;
  std::int64_t offset = 0;
  bool duplicate = false;  // an idempotent retry: appended before, at `offset`
};

class Topic {
 public:
  // REQUIRES: config.validate().ok(); the clock and the sink outlive the topic.
  Topic(std::string name, TopicConfig config, const time::Clock& clock, observe::EventSink* events = nullptr);

  Result<AppendResult> append(AppendRequest request);

  // fetch: up to max_records records of `partition` from `offset` on (the first
  // record at or after it, past compaction gaps). From the end offset: nothing yet.
  Result<std::vector<LogRecord>> fetch(std::uint32_t partition, std::int64_t offset, std::size_t max_records) const;

  // offset_for_time: the first offset whose record's timestamp is at or after `when`
  // (the end offset if none): where to seek to replay from a point in time.
  Result<std::int64_t> offset_for_time(std::uint32_t partition, time::Instant when) const;

  Result<std::int64_t> log_start_offset(std::uint32_t partition) const;
  Result<std::int64_t> end_offset(std::uint32_t partition) const;  // the next offset to be written

  // enforce_retention: drops records older than retention_time, and the oldest while a
  // partition exceeds retention_bytes. Returns how many were dropped.
  std::size_t enforce_retention();

  // compact: in a compacted topic, keeps only each key's latest record (other topics
  // are left alone). Returns how many were dropped.
  std::size_t compact();

  const std::string& name() const { return name_; }
  const TopicConfig& config() const { return config_; }

 private:
  struct Partition {
    std::deque<LogRecord> records;  // by offset
    std::int64_t start_offset = 0;  // the log start offset
    std::int64_t next_offset = 0;
    std::uint64_t bytes = 0;
  };

  // The last sequences of one producer in one partition (Kafka keeps five).
  struct ProducerState {
    std::int32_t last_sequence = -1;
    std::deque<std::pair<std::int32_t, std::int64_t>> recent;  // sequence, offset
  };

  Status check_partition(std::uint32_t partition) const;
  static std::uint64_t size_of(const LogRecord& record);
  void drop_front(Partition& partition);

  const std::string name_;
  const TopicConfig config_;
  const time::Clock& clock_;
  observe::EventSink* events_;
  std::vector<Partition> partitions_;
  std::uint32_t next_round_robin_ = 0;
  std::map<std::pair<std::int64_t, std::uint32_t>, ProducerState> producers_;
};

}  // namespace sluice::broker

#endif  // SLUICE_CORE_BROKER_PARTITIONED_LOG_H_
