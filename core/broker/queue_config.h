// queue_config.h: QueueConfig, an SQS queue's attributes, with SQS's ranges and error
// codes, and the queue name rules.
//
//   QueueConfig config;
//   config.visibility_timeout = std::chrono::seconds(60);
//   config.redrive = RedrivePolicy{"orders-dlq", 5};
//   if (Status s = config.validate(); !s.ok()) ...  // s.reason() == "InvalidAttributeValue"
//   if (Status s = validate_queue_name("orders", config); !s.ok()) ...
#ifndef SLUICE_CORE_BROKER_QUEUE_CONFIG_H_
#define SLUICE_CORE_BROKER_QUEUE_CONFIG_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/base/status.h"
#include "core/time/instant.h"

namespace sluice::broker {

// SQS error codes used by queues (Status::reason()).
namespace sqs_error {
inline constexpr std::string_view kInvalidParameterValue = "InvalidParameterValue";
inline constexpr std::string_view kInvalidAttributeValue = "InvalidAttributeValue";
inline constexpr std::string_view kReceiptHandleIsInvalid = "ReceiptHandleIsInvalid";
inline constexpr std::string_view kMessageNotInflight = "MessageNotInflight";
inline constexpr std::string_view kOverLimit = "OverLimit";
inline constexpr std::string_view kQueueDoesNotExist = "QueueDoesNotExist";
inline constexpr std::string_view kQueueNameExists = "QueueNameExists";
}  // namespace sqs_error

// RedrivePolicy: after max_receive_count receives, a message goes to the queue named
// dead_letter_queue instead of being delivered again.
struct RedrivePolicy {
  std::string dead_letter_queue;
  std::uint32_t max_receive_count = 10;  // 1 to 1000

  friend bool operator==(const RedrivePolicy&, const RedrivePolicy&) = default;
};

struct QueueConfig {
  bool fifo = false;
  time::Duration visibility_timeout = std::chrono::seconds(30);  // 0 to 12 h
  time::Duration delay = std::chrono::seconds(0);                // 0 to 15 min
  time::Duration retention = std::chrono::hours(96);             // 60 s to 14 days
  std::uint32_t max_message_bytes = 1024 * 1024;                 // 1 KiB to 1 MiB
  time::Duration receive_wait = std::chrono::seconds(0);         // 0 to 20 s
  std::optional<RedrivePolicy> redrive;
  bool content_based_deduplication = false;  // FIFO only
  // Bounds of sluice's own (SQS has others): messages stored, in flight, and long
  // polls waiting at once. Hitting one is an OverLimit error.
  std::uint32_t max_messages = 1'000'000;
  std::uint32_t max_in_flight = 120'000;  // SQS's in-flight limit for standard queues
  std::uint32_t max_waiting_receives = 10'000;

  Status validate() const;

  friend bool operator==(const QueueConfig&, const QueueConfig&) = default;
};

// validate_queue_name: 1 to 80 characters of letters, digits, '-' and '_', ending in
// ".fifo" exactly when `fifo` (the suffix counts in the 80).
Status validate_queue_name(std::string_view name, bool fifo);

}  // namespace sluice::broker

#endif  // SLUICE_CORE_BROKER_QUEUE_CONFIG_H_
