#include "core/broker/sqs_rules.h"

#include <array>
#include <chrono>
#include <cstring>

#include "core/base/duration_text.h"
#include "core/broker/queue_config.h"

namespace sluice::broker {
namespace {

using std::chrono::hours;
using std::chrono::seconds;

Status parameter_error(const std::string& message, std::string_view reason = sqs_error::kInvalidParameterValue) {
  return Status::invalid_argument(message, reason);
}

// SQS accepts #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF, as UTF-8.
bool is_allowed_text(std::string_view text) {
  std::size_t i = 0;
  // Most bodies are printable ASCII (JSON): check those eight bytes at a time.
  while (i + 8 <= text.size()) {
    std::uint64_t word;
    std::memcpy(&word, text.data() + i, 8);
    const bool all_printable_ascii =
        (word & 0x8080808080808080ULL) == 0 &&                                  // no byte >= 0x80
        ((word - 0x2020202020202020ULL) & ~word & 0x8080808080808080ULL) == 0;  // no byte < 0x20
    if (!all_printable_ascii) break;
    i += 8;
  }
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::uint32_t code;
    std::size_t length;
    if (c < 0x80) {
      code = c, length = 1;
    } else if ((c & 0xE0) == 0xC0) {
      code = c & 0x1F, length = 2;
    } else if ((c & 0xF0) == 0xE0) {
      code = c & 0x0F, length = 3;
    } else if ((c & 0xF8) == 0xF0) {
      code = c & 0x07, length = 4;
    } else {
      return false;
    }
    if (i + length > text.size()) return false;
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      code = (code << 6) | (next & 0x3F);
    }
    static constexpr std::array<std::uint32_t, 4> kMinimum = {0, 0x80, 0x800, 0x10000};
    if (code < kMinimum[length - 1]) return false;  // overlong
    const bool allowed = code == 0x9 || code == 0xA || code == 0xD || (code >= 0x20 && code <= 0xD7FF) ||
                         (code >= 0xE000 && code <= 0xFFFD) || (code >= 0x10000 && code <= 0x10FFFF);
    if (!allowed) return false;
    i += length;
  }
  return true;
}

// The size SQS counts: the body, and each attribute's name, type and value.
std::size_t message_size(std::string_view body, const MessageAttributes& attributes) {
  std::size_t size = body.size();
  for (const auto& [name, value] : attributes) {
    size += name.size() + value.data_type.size() + value.string_value.size() + value.binary_value.size();
  }
  return size;
}

Status validate_attributes(const MessageAttributes& attributes) {
  if (attributes.size() > 10) {
    return parameter_error("a message may have at most 10 attributes; got " + std::to_string(attributes.size()));
  }
  for (const auto& [name, value] : attributes) {
    if (name.empty() || name.size() > 256) return parameter_error("attribute names must be 1 to 256 characters");
    const std::string_view type = value.data_type;
    const std::string_view base = type.substr(0, type.find('.'));
    if (base != "String" && base != "Number" && base != "Binary") {
      return parameter_error("attribute \"" + name + "\" has data type \"" + value.data_type +
                             "\"; it must be String, Number or Binary (optionally with a .suffix)");
    }
    if (base == "Binary" ? value.binary_value.empty() : value.string_value.empty()) {
      return parameter_error("attribute \"" + name + "\" has no value");
    }
  }
  return Status();
}

// Appends `digits` lowercase hex digits of `value`. Built in a buffer and appended
// once: ids and handles are made on every send and receive.
void append_hex(std::string& out, std::uint64_t value, int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  char buffer[16];
  for (int i = digits - 1; i >= 0; --i, value >>= 4) buffer[i] = kHex[value & 0xf];
  out.append(buffer, static_cast<std::size_t>(digits));
}

// kHexValue: a lowercase hex digit's value, or -1; a table, as every delete and
// visibility change parses a handle.
constexpr std::array<std::int8_t, 256> kHexValue = [] {
  std::array<std::int8_t, 256> table{};
  table.fill(-1);
  for (int c = '0'; c <= '9'; ++c) table[c] = static_cast<std::int8_t>(c - '0');
  for (int c = 'a'; c <= 'f'; ++c) table[c] = static_cast<std::int8_t>(c - 'a' + 10);
  return table;
}();

// Appends `value` in hex without leading zeros (at least one digit).
void append_hex_trimmed(std::string& out, std::uint64_t value) {
  int digits = 1;
  while (digits < 16 && (value >> (digits * 4)) != 0) ++digits;
  append_hex(out, value, digits);
}

}  // namespace

Status validate_send(std::string_view body, const MessageAttributes& attributes, std::uint32_t max_message_bytes) {
  if (body.empty()) return parameter_error("the message body must not be empty", "MissingParameter");
  if (!is_allowed_text(body)) {
    return parameter_error(
        "the message body has characters SQS does not allow (it must be UTF-8 text of #x9, #xA, "
        "#xD, #x20 to #xD7FF, #xE000 to #xFFFD, #x10000 to #x10FFFF)",
        "InvalidMessageContents");
  }
  SLUICE_RETURN_IF_ERROR(validate_attributes(attributes));
  if (message_size(body, attributes) > max_message_bytes) {
    return parameter_error("the message is " + std::to_string(message_size(body, attributes)) +
                           " bytes; the queue's MaximumMessageSize is " + std::to_string(max_message_bytes));
  }
  return Status();
}

Status validate_fifo_id(std::string_view name, std::string_view value) {
  if (value.empty()) return parameter_error(std::string(name) + " is required", "MissingParameter");
  if (value.size() > 128) {
    return parameter_error(std::string(name) + " must be at most 128 characters; got " + std::to_string(value.size()));
  }
  for (char c : value) {
    if (c < '!' || c > '~') {
      return parameter_error(std::string(name) + " may hold only letters, digits and punctuation; got \"" +
                             std::string(value) + "\"");
    }
  }
  return Status();
}

Status validate_visibility_timeout(time::Duration timeout) {
  if (timeout < time::Duration::zero() || timeout > hours(12)) {
    return parameter_error("VisibilityTimeout must be from 0 to 43200 seconds; got " + format_duration(timeout));
  }
  return Status();
}

Status validate_receive(const ReceiveRequest& request) {
  if (request.max_messages < 1 || request.max_messages > 10) {
    return parameter_error("MaxNumberOfMessages must be from 1 to 10; got " + std::to_string(request.max_messages));
  }
  if (request.visibility_timeout) {
    SLUICE_RETURN_IF_ERROR(validate_visibility_timeout(*request.visibility_timeout));
  }
  if (request.wait && (*request.wait < time::Duration::zero() || *request.wait > seconds(20))) {
    return parameter_error("WaitTimeSeconds must be from 0 to 20; got " + format_duration(*request.wait));
  }
  return Status();
}

MessageId make_message_id(time::Prng& prng) {
  const std::uint64_t high = prng.next_u64();
  return MessageId{high, prng.next_u64()};
}

std::string MessageId::text() const {
  std::string id;
  id.reserve(36);
  append_hex(id, high >> 32, 8);
  id.push_back('-');
  append_hex(id, (high >> 16) & 0xffff, 4);
  id.append("-4");
  append_hex(id, high & 0x0fff, 3);
  id.push_back('-');
  append_hex(id, ((low >> 48) & 0x3fff) | 0x8000, 4);
  id.push_back('-');
  append_hex(id, low & 0xffffffffffffULL, 12);
  return id;
}

std::optional<MessageId> MessageId::parse(std::string_view text) {
  // Hex fields between the dashes, as text() writes them.
  if (text.size() != 36 || text[8] != '-' || text[13] != '-' || text[14] != '4' || text[18] != '-' || text[23] != '-') {
    return std::nullopt;
  }
  bool valid = true;
  const auto field = [&](std::size_t from, std::size_t digits) {
    std::uint64_t value = 0;
    for (std::size_t i = from; i < from + digits; ++i) {
      const std::int8_t digit = kHexValue[static_cast<unsigned char>(text[i])];
      if (digit < 0) valid = false;
      value = (value << 4) | static_cast<std::uint64_t>(digit < 0 ? 0 : digit);
    }
    return value;
  };
  const std::uint64_t variant = field(19, 4);
  MessageId id;
  id.high = (field(0, 8) << 32) | (field(9, 4) << 16) | field(15, 3);
  id.low = ((variant & 0x3fff) << 48) | field(24, 12);
  if (!valid || (variant & 0xc000) != 0x8000) return std::nullopt;
  return id;
}

std::string ReceiptHandle::format(std::uint64_t queue_tag) const {
  std::string handle;
  handle.reserve(64);
  append_hex(handle, queue_tag, 16);
  handle.push_back('-');
  append_hex_trimmed(handle, seq);
  handle.push_back('-');
  append_hex_trimmed(handle, epoch);
  handle.push_back('-');
  append_hex(handle, nonce, 16);
  return handle;
}

std::optional<ReceiptHandle> ReceiptHandle::parse(std::string_view text, std::uint64_t queue_tag) {
  std::uint64_t fields[4];
  std::size_t field = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i < text.size() && text[i] != '-') continue;
    const std::string_view part = text.substr(start, i - start);
    if (field == 4 || part.empty() || part.size() > 16) return std::nullopt;
    std::uint64_t value = 0;
    for (char c : part) {
      const int digit = kHexValue[static_cast<unsigned char>(c)];
      if (digit < 0) return std::nullopt;
      value = (value << 4) | static_cast<std::uint64_t>(digit);
    }
    fields[field++] = value;
    start = i + 1;
  }
  if (field != 4 || fields[0] != queue_tag || fields[2] > UINT32_MAX) return std::nullopt;
  return ReceiptHandle{fields[1], static_cast<std::uint32_t>(fields[2]), fields[3]};
}

Status invalid_handle(std::string_view text, std::string_view queue) {
  return parameter_error(
      "the receipt handle \"" + std::string(text) + "\" is not one of queue " + std::string(queue) + "'s",
      sqs_error::kReceiptHandleIsInvalid);
}

}  // namespace sluice::broker
