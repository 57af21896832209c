#include "core/broker/partitioned_log.h"

#include <algorithm>
#include <unordered_map>

#include "core/base/check.h"

namespace sluice::broker {
namespace {

Status kafka(StatusCode code, std::string message, std::string_view reason) {
  return Status(code, std::move(message), reason);
}

}  // namespace

std::int32_t kafka_murmur2(std::string_view data) {
  // Kafka's Utils.murmur2, in unsigned arithmetic (Java's int wraps the same way).
  const std::uint32_t m = 0x5bd1e995;
  const int r = 24;
  const auto length = static_cast<std::uint32_t>(data.size());
  std::uint32_t h = 0x9747b28c ^ length;
  const auto byte = [&](std::size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(data[i])); };
  const std::size_t whole_words = data.size() / 4;
  for (std::size_t i = 0; i < whole_words; ++i) {
    std::uint32_t k = byte(4 * i) | (byte(4 * i + 1) << 8) | (byte(4 * i + 2) << 16) | (byte(4 * i + 3) << 24);
    k *= m;
    k ^= k >> r;
    k *= m;
    h *= m;
    h ^= k;
  }
  const std::size_t tail = data.size() & ~std::size_t{3};
  switch (data.size() % 4) {
    case 3:
      h ^= byte(tail + 2) << 16;
      [[fallthrough]];
    case 2:
      h ^= byte(tail + 1) << 8;
      [[fallthrough]];
    case 1:
      h ^= byte(tail);
      h *= m;
  }
  h ^= h >> 13;
  h *= m;
  h ^= h >> 15;
  return static_cast<std::int32_t>(h);
}

std::uint32_t kafka_partition_for_key(std::string_view key, std::uint32_t partitions) {
  // Utils.toPositive: the sign bit cleared, not the absolute value.
  const auto positive = static_cast<std::uint32_t>(kafka_murmur2(key)) & 0x7fffffffu;
  return positive % partitions;
}

Status TopicConfig::validate() const {
  if (partitions < 1 || partitions > 1000) {
    return Status::invalid_argument("partitions must be from 1 to 1000; got " + std::to_string(partitions),
                                    kafka_error::kInvalidConfig);
  }
  if (retention_time < time::Duration::zero()) {
    return Status::invalid_argument("retention_time must not be negative", kafka_error::kInvalidConfig);
  }
  if (max_record_bytes < 1 || max_records_per_partition < 1) {
    return Status::invalid_argument("max_record_bytes and max_records_per_partition must be at least 1",
                                    kafka_error::kInvalidConfig);
  }
  return Status();
}

Topic::Topic(std::string name, TopicConfig config, const time::Clock& clock, observe::EventSink* events)
    : name_(std::move(name)), config_(config), clock_(clock), events_(events) {
  SLUICE_CHECK(config_.validate().ok());
  partitions_.resize(config_.partitions);
}

std::uint64_t Topic::size_of(const LogRecord& record) {
  std::uint64_t size = record.value.size() + (record.key ? record.key->size() : 0);
  for (const auto& [name, value] : record.headers) size += name.size() + value.size();
  return size;
}

Status Topic::check_partition(std::uint32_t partition) const {
  if (partition < partitions_.size()) return Status();
  return kafka(StatusCode::kNotFound,
               "topic " + name_ + " has no partition " + std::to_string(partition) + " (it has " +
                   std::to_string(partitions_.size()) + ")",
               kafka_error::kUnknownTopicOrPartition);
}

Result<AppendResult> Topic::append(AppendRequest request) {
  LogRecord record{0, std::move(request.key), std::move(request.value), std::move(request.headers), clock_.now()};
  if (config_.compacted && !record.key) {
    return kafka(StatusCode::kInvalidArgument, "a compacted topic needs a key on every record",
                 kafka_error::kInvalidRecord);
  }
  if (size_of(record) > config_.max_record_bytes) {
    return kafka(StatusCode::kInvalidArgument,
                 "the record is " + std::to_string(size_of(record)) + " bytes; topic " + name_ + " takes at most " +
                     std::to_string(config_.max_record_bytes),
                 kafka_error::kMessageTooLarge);
  }
  std::uint32_t index;
  if (request.partition) {
    SLUICE_RETURN_IF_ERROR(check_partition(*request.partition));
    index = *request.partition;
  } else if (record.key) {
    index = kafka_partition_for_key(*record.key, config_.partitions);
  } else {
    index = next_round_robin_;
    next_round_robin_ = (next_round_robin_ + 1) % config_.partitions;
  }
  Partition& partition = partitions_[index];

  ProducerState* producer = nullptr;
  if (request.producer) {
    producer = &producers_[{request.producer->producer_id, index}];
    const std::int32_t sequence = request.producer->sequence;
    if (sequence <= producer->last_sequence) {
      for (const auto& [seen, offset] : producer->recent) {
        if (seen == sequence) return AppendResult{index, offset, true};
      }
      return kafka(StatusCode::kInvalidArgument,
                   "sequence " + std::to_string(sequence) + " of producer " +
                       std::to_string(request.producer->producer_id) + " is older than the last five appended",
                   kafka_error::kDuplicateSequenceNumber);
    }
    if (sequence != producer->last_sequence + 1) {
      return kafka(StatusCode::kInvalidArgument,
                   "producer " + std::to_string(request.producer->producer_id) + " sent sequence " +
                       std::to_string(sequence) + " after " + std::to_string(producer->last_sequence) +
                       " in partition " + std::to_string(index) + ": records are missing",
                   kafka_error::kOutOfOrderSequenceNumber);
    }
  }
  if (partition.records.size() >= config_.max_records_per_partition) {
    return kafka(StatusCode::kResourceExhausted,
                 "partition " + std::to_string(index) + " of topic " + name_ + " holds its maximum of " +
                     std::to_string(config_.max_records_per_partition) + " records",
                 kafka_error::kPolicyViolation);
  }
  record.offset = partition.next_offset++;
  partition.bytes += size_of(record);
  const std::int64_t offset = record.offset;
  partition.records.push_back(std::move(record));
  if (producer != nullptr) {
    producer->last_sequence = request.producer->sequence;
    producer->recent.emplace_back(request.producer->sequence, offset);
    if (producer->recent.size() > 5) producer->recent.pop_front();
  }
  if (events_ != nullptr) {
    const std::array<observe::Attribute, 2> attributes = {{
        {"partition", std::int64_t{index}},
        {"offset", std::int64_t{offset}},
    }};
    events_->on_event(observe::Event{"log.appended", name_, clock_.now(), {}, attributes});
  }
  return AppendResult{index, offset, false};
}

Result<std::vector<LogRecord>> Topic::fetch(std::uint32_t index, std::int64_t offset, std::size_t max_records) const {
  SLUICE_RETURN_IF_ERROR(check_partition(index));
  const Partition& partition = partitions_[index];
  if (offset < partition.start_offset || offset > partition.next_offset) {
    return kafka(StatusCode::kInvalidArgument,
                 "offset " + std::to_string(offset) + " is outside partition " + std::to_string(index) + "'s " +
                     std::to_string(partition.start_offset) + " to " + std::to_string(partition.next_offset),
                 kafka_error::kOffsetOutOfRange);
  }
  auto it = std::lower_bound(partition.records.begin(), partition.records.end(), offset,
                             [](const LogRecord& record, std::int64_t wanted) { return record.offset < wanted; });
  std::vector<LogRecord> out;
  for (; it != partition.records.end() && out.size() < max_records; ++it) out.push_back(*it);
  return out;
}

Result<std::int64_t> Topic::offset_for_time(std::uint32_t index, time::Instant when) const {
  SLUICE_RETURN_IF_ERROR(check_partition(index));
  const Partition& partition = partitions_[index];
  // Timestamps are append times on one monotonic clock, so they never decrease.
  const auto it = std::lower_bound(partition.records.begin(), partition.records.end(), when,
                                   [](const LogRecord& record, time::Instant t) { return record.timestamp < t; });
  return it == partition.records.end() ? partition.next_offset : it->offset;
}

Result<std::int64_t> Topic::log_start_offset(std::uint32_t index) const {
  SLUICE_RETURN_IF_ERROR(check_partition(index));
  return partitions_[index].start_offset;
}

Result<std::int64_t> Topic::end_offset(std::uint32_t index) const {
  SLUICE_RETURN_IF_ERROR(check_partition(index));
  return partitions_[index].next_offset;
}

void Topic::drop_front(Partition& partition) {
  partition.bytes -= size_of(partition.records.front());
  partition.records.pop_front();
  partition.start_offset = partition.records.empty() ? partition.next_offset : partition.records.front().offset;
}

std::size_t Topic::enforce_retention() {
  const time::Instant now = clock_.now();
  std::size_t dropped = 0;
  for (Partition& partition : partitions_) {
    while (!partition.records.empty() && ((config_.retention_time > time::Duration::zero() &&
                                           now - partition.records.front().timestamp >= config_.retention_time) ||
                                          (config_.retention_bytes > 0 && partition.bytes > config_.retention_bytes))) {
      drop_front(partition);
      ++dropped;
    }
  }
  return dropped;
}

std::size_t Topic::compact() {
  if (!config_.compacted) return 0;  // only cleanup.policy=compact topics are compacted
  std::size_t dropped = 0;
  for (Partition& partition : partitions_) {
    std::unordered_map<std::string, std::int64_t> latest;  // key -> offset of its last record
    for (const LogRecord& record : partition.records) latest[record.key.value_or("")] = record.offset;
    const std::size_t before = partition.records.size();
    std::erase_if(partition.records,
                  [&](const LogRecord& record) { return latest.at(record.key.value_or("")) != record.offset; });
    dropped += before - partition.records.size();
    partition.bytes = 0;
    for (const LogRecord& record : partition.records) partition.bytes += size_of(record);
    // The log start offset stays: compaction leaves gaps, it does not truncate.
  }
  return dropped;
}

}  // namespace sluice::broker
