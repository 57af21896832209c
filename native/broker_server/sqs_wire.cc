#include "native/broker_server/sqs_wire.h"

#include <openssl/evp.h>
#include <openssl/md5.h>

#include <cstdint>
#include <vector>

namespace sluice::native {
namespace {

void append_length_prefixed(std::string& out, std::string_view bytes) {
  const auto length = static_cast<std::uint32_t>(bytes.size());
  out += static_cast<char>(length >> 24);
  out += static_cast<char>(length >> 16);
  out += static_cast<char>(length >> 8);
  out += static_cast<char>(length);
  out += bytes;
}

// query_error: the x-amzn-query-error value for a code (the older query protocol's
// names, which SDKs still map errors from).
std::string query_error(std::string_view code) {
  if (code == "QueueDoesNotExist") return "AWS.SimpleQueueService.NonExistentQueue;Sender";
  if (code == "QueueNameExists") return "QueueAlreadyExists;Sender";
  if (code == "MessageNotInflight") return "AWS.SimpleQueueService.MessageNotInflight;Sender";
  if (code == "UnsupportedOperation") return "AWS.SimpleQueueService.UnsupportedOperation;Sender";
  if (code == "BatchEntryIdsNotDistinct") return "AWS.SimpleQueueService.BatchEntryIdsNotDistinct;Sender";
  if (code == "TooManyEntriesInBatchRequest") return "AWS.SimpleQueueService.TooManyEntriesInBatchRequest;Sender";
  if (code == "EmptyBatchRequest") return "AWS.SimpleQueueService.EmptyBatchRequest;Sender";
  if (code == "InternalError") return "InternalError;Receiver";
  return std::string(code) + ";Sender";
}

}  // namespace

std::string md5_hex(std::string_view bytes) {
  unsigned char digest[MD5_DIGEST_LENGTH];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_md5(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xf];
  }
  return out;
}

std::array<std::uint8_t, 32> sha256(std::string_view bytes) {
  std::array<std::uint8_t, 32> digest{};
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest.data(), &length, EVP_sha256(), nullptr);
  return digest;
}

std::string md5_of_attributes(const broker::MessageAttributes& attributes) {
  std::string encoded;
  for (const auto& [name, value] : attributes) {  // a std::map: sorted by name
    append_length_prefixed(encoded, name);
    append_length_prefixed(encoded, value.data_type);
    const bool binary = std::string_view(value.data_type).starts_with("Binary");
    encoded += static_cast<char>(binary ? 2 : 1);
    append_length_prefixed(encoded, binary ? value.binary_value : value.string_value);
  }
  return md5_hex(encoded);
}

std::string base64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int written =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(written));
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out(3 * text.size() / 4, '\0');
  const int written =
      EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(text.data()),
                      static_cast<int>(text.size()));
  if (written < 0) return std::nullopt;
  // EVP_DecodeBlock counts the padding as zero bytes.
  std::size_t padding = 0;
  if (!text.empty() && text.back() == '=') ++padding;
  if (text.size() > 1 && text[text.size() - 2] == '=') ++padding;
  out.resize(static_cast<std::size_t>(written) - padding);
  return out;
}

std::optional<std::string> QueueUrls::name(std::string_view url) {
  const std::size_t slash = url.rfind('/');
  if (slash == std::string_view::npos || slash + 1 == url.size()) return std::nullopt;
  return std::string(url.substr(slash + 1));
}

HttpResponse sqs_error(std::string_view code, std::string_view message) {
  HttpResponse response =
      HttpResponse::json(400, {{"__type", "com.amazonaws.sqs#" + std::string(code)}, {"message", message}});
  response.headers.clear();
  response.headers.emplace_back("Content-Type", "application/x-amz-json-1.0");
  response.headers.emplace_back("x-amzn-query-error", query_error(code));
  return response;
}

HttpResponse sqs_error_from(const Status& status) {
  if (!status.reason().empty()) return sqs_error(status.reason(), status.message());
  switch (status.code()) {
    case StatusCode::kNotFound:
      return sqs_error("QueueDoesNotExist", status.message());
    case StatusCode::kInvalidArgument:
      return sqs_error("InvalidParameterValue", status.message());
    default:
      return sqs_error("InternalError", status.message());
  }
}

}  // namespace sluice::native
