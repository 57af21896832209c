#include "native/runtime/http_message.h"

#include <utility>

#include "core/config/parse_json.h"

namespace sluice::native {

std::optional<std::string_view> HttpRequest::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return std::nullopt;
}

std::vector<std::string_view> HttpRequest::header_values(std::string_view name) const {
  std::vector<std::string_view> values;
  for (const auto& [key, value] : headers) {
    if (key == name) values.push_back(value);
  }
  return values;
}

observe::TraceHeaders HttpRequest::trace_headers() const {
  return {.traceparent = header_values("traceparent"), .tracestate = header_values("tracestate")};
}

HttpResponse HttpResponse::json(int status, const nlohmann::json& body) {
  HttpResponse response;
  response.status = status;
  response.headers.emplace_back("Content-Type", "application/json");
  response.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return response;
}

HttpResponse HttpResponse::error(int status, std::string_view code, std::string_view message) {
  return json(status, {{"error", {{"code", code}, {"message", message}}}});
}

std::string_view reason_phrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 402:
      return "Payment Required";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 422:
      return "Unprocessable Content";
    case 413:
      return "Payload Too Large";
    case 415:
      return "Unsupported Media Type";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}

std::string serialize_response(const HttpResponse& response, bool keep_alive) {
  std::string out =
      "HTTP/1.1 " + std::to_string(response.status) + " " + std::string(reason_phrase(response.status)) + "\r\n";
  for (const auto& [name, value] : response.headers) out += name + ": " + value + "\r\n";
  out += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
  out += keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
  out += response.body;
  return out;
}

bool ResponseStream::send(std::string data) {
  if (closed_) return false;
  queued_.push_back(std::move(data));
  if (wake_) wake_();
  return true;
}

void ResponseStream::close() {
  if (closed_) return;
  closed_ = true;
  if (wake_) wake_();
  if (on_closed_) std::exchange(on_closed_, nullptr)();
}

void ResponseStream::mark_closed() {
  if (closed_) return;
  closed_ = true;
  queued_.clear();
  if (on_closed_) std::exchange(on_closed_, nullptr)();
}

std::string serialize_stream_head(const HttpResponse& response) {
  std::string out =
      "HTTP/1.1 " + std::to_string(response.status) + " " + std::string(reason_phrase(response.status)) + "\r\n";
  for (const auto& [name, value] : response.headers) out += name + ": " + value + "\r\n";
  out += "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
  return out;
}

Result<nlohmann::json> parse_json_body(const HttpRequest& request) {
  Result<nlohmann::json> parsed = config::parse_json(request.body);
  if (!parsed.ok()) return Status::invalid_argument(parsed.status().message(), "MalformedJson");
  return parsed;
}

}  // namespace sluice::native
