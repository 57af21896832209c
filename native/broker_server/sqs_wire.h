// sqs_wire.h: the byte-level parts of the AWS JSON 1.0 protocol for SQS that SDKs
// check: the MD5 of a message body, the MD5 of its message attributes (the digest the
// Java SDK verifies), base64 for binary attributes, queue URLs, and errors as AWS
// sends them (a 400 with "__type" and an x-amzn-query-error header, without which
// recent JavaScript SDKs fail).
#ifndef SLUICE_NATIVE_BROKER_SERVER_SQS_WIRE_H_
#define SLUICE_NATIVE_BROKER_SERVER_SQS_WIRE_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/base/status.h"
#include "core/broker/message.h"
#include "native/runtime/http_message.h"

namespace sluice::native {

// md5_hex: lowercase hex MD5 of `bytes`.
std::string md5_hex(std::string_view bytes);

// md5_of_attributes: SQS's MD5OfMessageAttributes: attributes sorted by name; each as
// 4-byte big-endian length + name, length + data type, one transport byte (1 for
// String and Number, 2 for Binary), length + value.
std::string md5_of_attributes(const broker::MessageAttributes& attributes);

// sha256: the SHA-256 of `bytes`, for FIFO content-based deduplication.
std::array<std::uint8_t, 32> sha256(std::string_view bytes);

std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);

// QueueUrls: "http://127.0.0.1:9324/000000000000/<name>" and back.
class QueueUrls {
 public:
  explicit QueueUrls(std::string base) : base_(std::move(base)) {}
  std::string url(std::string_view name) const { return base_ + "/000000000000/" + std::string(name); }
  // name: the queue name at the end of any URL of this shape (SDKs may rewrite the
  // host); nullopt if the URL has no name.
  static std::optional<std::string> name(std::string_view url);
  static std::string arn(std::string_view name) { return "arn:aws:sqs:us-east-1:000000000000:" + std::string(name); }

 private:
  std::string base_;
};

// sqs_error: the error response for `code` (e.g. "QueueDoesNotExist").
HttpResponse sqs_error(std::string_view code, std::string_view message);
// sqs_error_from: a core broker Status as the matching SQS error.
HttpResponse sqs_error_from(const Status& status);

}  // namespace sluice::native

#endif  // SLUICE_NATIVE_BROKER_SERVER_SQS_WIRE_H_
