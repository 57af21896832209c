// message.h: what an SQS-style queue stores and hands out.
#ifndef SLUICE_CORE_BROKER_MESSAGE_H_
#define SLUICE_CORE_BROKER_MESSAGE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "core/time/instant.h"

namespace sluice::broker {

// MessageAttributeValue: SQS message attributes: a data type ("String", "Number",
// "Binary", optionally with a ".custom" suffix) and the value in the matching field.
struct MessageAttributeValue {
  std::string data_type;
  std::string string_value;
  std::string binary_value;

  friend bool operator==(const MessageAttributeValue&, const MessageAttributeValue&) = default;
};

using MessageAttributes = std::map<std::string, MessageAttributeValue, std::less<>>;

struct SendRequest {
  std::string body;
  MessageAttributes attributes;
  std::optional<time::Duration> delay;  // overrides the queue's DelaySeconds
};

struct ReceiveRequest {
  std::uint32_t max_messages = 1;                    // 1 to 10
  std::optional<time::Duration> visibility_timeout;  // overrides the queue's
  std::optional<time::Duration> wait;                // long poll, 0 to 20 s; default the queue's
};

struct ReceivedMessage {
  std::string message_id;
  std::string receipt_handle;  // the latest one is needed to delete it
  std::string body;
  MessageAttributes attributes;
  std::uint32_t receive_count = 0;  // ApproximateReceiveCount, this receive included
  time::Instant sent_at;            // SentTimestamp (on the queue's clock)
  time::Instant first_received_at;  // ApproximateFirstReceiveTimestamp
};

}  // namespace sluice::broker

#endif  // SLUICE_CORE_BROKER_MESSAGE_H_
