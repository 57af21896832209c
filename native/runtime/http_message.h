// http_message.h: HttpRequest and HttpResponse as the runtime's HTTP/1.1 server and
// client pass them around, and the JSON error replies every service gives:
//   {"error": {"code": "NotFound", "message": "no route for GET /nope"}}
#ifndef SLUICE_NATIVE_RUNTIME_HTTP_MESSAGE_H_
#define SLUICE_NATIVE_RUNTIME_HTTP_MESSAGE_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/base/result.h"
#include "core/observe/trace_context.h"

namespace sluice::native {

// Headers: in arrival order; names lowercased on the way in.
using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;  // "GET"
  std::string target;  // "/api/inventory/SKU-123?verbose=1"
  std::string path;    // "/api/inventory/SKU-123"
  std::string query;   // "verbose=1"
  HttpHeaders headers;
  std::string body;  // de-chunked
  bool keep_alive = true;
  // trace: the server span's context, continuing the caller's traceparent (or a new
  // trace); calls made while handling the request go out as child_of(trace).
  observe::TraceContext trace;
  std::string parent_span_id;  // the caller's span, hex; empty for a new trace

  // header: the first value of `name` (lowercase), if present.
  std::optional<std::string_view> header(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  HttpHeaders headers;  // Content-Length and Connection are added when written
  std::string body;
  bool close = false;  // close the connection after this response

  static HttpResponse json(int status, const nlohmann::json& body);
  // error: {"error": {"code": code, "message": message}}.
  static HttpResponse error(int status, std::string_view code, std::string_view message);
};

// reason_phrase: "OK", "Not Found", ...
std::string_view reason_phrase(int status);

// serialize_response: the response as bytes, with Content-Length and Connection.
std::string serialize_response(const HttpResponse& response, bool keep_alive);

// parse_json_body: the request's body as JSON, or the 400 reply that says why not.
Result<nlohmann::json> parse_json_body(const HttpRequest& request);

}  // namespace sluice::native

#endif  // SLUICE_NATIVE_RUNTIME_HTTP_MESSAGE_H_
