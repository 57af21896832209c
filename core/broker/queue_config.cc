#include "core/broker/queue_config.h"

#include <string>

#include "core/base/duration_text.h"

namespace sluice::broker {
namespace {

Status attribute_error(const std::string& message) {
  return Status::invalid_argument(message, sqs_error::kInvalidAttributeValue);
}

Status out_of_range(std::string_view name, time::Duration value, std::string_view range) {
  return attribute_error(std::string(name) + " must be " + std::string(range) + "; got " + format_duration(value));
}

bool within(time::Duration value, time::Duration low, time::Duration high) { return value >= low && value <= high; }

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

}  // namespace

Status QueueConfig::validate() const {
  using std::chrono::hours;
  using std::chrono::minutes;
  using std::chrono::seconds;
  if (!within(visibility_timeout, seconds(0), hours(12))) {
    return out_of_range("VisibilityTimeout", visibility_timeout, "from 0 to 12 hours");
  }
  if (!within(delay, seconds(0), minutes(15))) return out_of_range("DelaySeconds", delay, "from 0 to 15 minutes");
  if (!within(retention, seconds(60), hours(24 * 14))) {
    return out_of_range("MessageRetentionPeriod", retention, "from 60 seconds to 14 days");
  }
  if (!within(receive_wait, seconds(0), seconds(20))) {
    return out_of_range("ReceiveMessageWaitTimeSeconds", receive_wait, "from 0 to 20 seconds");
  }
  if (max_message_bytes < 1024 || max_message_bytes > 1024 * 1024) {
    return attribute_error("MaximumMessageSize must be from 1024 to 1048576 bytes; got " +
                           std::to_string(max_message_bytes));
  }
  if (redrive) {
    if (redrive->max_receive_count < 1 || redrive->max_receive_count > 1000) {
      return attribute_error("RedrivePolicy maxReceiveCount must be from 1 to 1000; got " +
                             std::to_string(redrive->max_receive_count));
    }
    if (redrive->dead_letter_queue.empty()) return attribute_error("RedrivePolicy needs a dead-letter queue");
  }
  if (content_based_deduplication && !fifo) {
    return attribute_error("ContentBasedDeduplication applies only to FIFO queues");
  }
  if (max_messages < 1 || max_in_flight < 1) {
    return attribute_error("max_messages and max_in_flight must be at least 1");
  }
  return Status();
}

Status validate_queue_name(std::string_view name, bool fifo) {
  const auto bad = [&](const std::string& why) {
    return Status::invalid_argument("invalid queue name \"" + std::string(name) + "\": " + why,
                                    sqs_error::kInvalidParameterValue);
  };
  if (name.empty() || name.size() > 80) return bad("it must be 1 to 80 characters long");
  const bool has_suffix = name.ends_with(".fifo");
  if (fifo && !has_suffix) return bad("a FIFO queue's name must end in .fifo");
  if (!fifo && has_suffix) return bad("only a FIFO queue's name may end in .fifo");
  const std::string_view stem = has_suffix ? name.substr(0, name.size() - 5) : name;
  if (stem.empty()) return bad("it needs characters before .fifo");
  for (char c : stem) {
    if (!is_name_char(c)) return bad("only letters, digits, '-' and '_' are allowed");
  }
  return Status();
}

}  // namespace sluice::broker
