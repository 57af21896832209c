// sqs_rules.h: what SQS requires of requests, shared by the standard and FIFO queues,
// and the message ids and receipt handles they hand out.
#ifndef SLUICE_CORE_BROKER_SQS_RULES_H_
#define SLUICE_CORE_BROKER_SQS_RULES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/base/status.h"
#include "core/broker/message.h"
#include "core/time/prng.h"

namespace sluice::broker {

// validate_send: an empty body (MissingParameter), characters SQS refuses
// (InvalidMessageContents), bad attributes or too large a message
// (InvalidParameterValue).
Status validate_send(std::string_view body, const MessageAttributes& attributes, std::uint32_t max_message_bytes);

// validate_fifo_id: a MessageGroupId or MessageDeduplicationId: 1 to 128 characters of
// letters, digits and punctuation (InvalidParameterValue; an empty group id is
// MissingParameter).
Status validate_fifo_id(std::string_view name, std::string_view value);

// validate_receive: MaxNumberOfMessages 1 to 10, VisibilityTimeout 0 to 12 h,
// WaitTimeSeconds 0 to 20 (InvalidParameterValue).
Status validate_receive(const ReceiveRequest& request);

// validate_visibility_timeout: 0 to 12 h (InvalidParameterValue).
Status validate_visibility_timeout(time::Duration timeout);

// MessageId: a version 4 UUID, kept as 16 bytes and written out when handed out.
struct MessageId {
  std::uint64_t high = 0;
  std::uint64_t low = 0;

  // text: "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".
  std::string text() const;
  // parse: the id whose text() is `text` (a version 4 UUID in lowercase with y one of
  // 8, 9, a, b), or nullopt: ids come back this way from a journal.
  static std::optional<MessageId> parse(std::string_view text);
};

// make_message_id: a version 4 UUID drawn from `prng`.
MessageId make_message_id(time::Prng& prng);

// ReceiptHandle: which receive of which message, in one queue; as text it carries the
// queue's tag, so a handle from another queue is told apart from a stale one.
struct ReceiptHandle {
  std::uint64_t seq;
  std::uint32_t epoch;
  std::uint64_t nonce;

  std::string format(std::uint64_t queue_tag) const;
  // parse: nullopt unless `text` is a handle of the queue with `queue_tag`.
  static std::optional<ReceiptHandle> parse(std::string_view text, std::uint64_t queue_tag);
};

// invalid_handle: the ReceiptHandleIsInvalid error for `text` in queue `queue`.
Status invalid_handle(std::string_view text, std::string_view queue);

}  // namespace sluice::broker

#endif  // SLUICE_CORE_BROKER_SQS_RULES_H_
