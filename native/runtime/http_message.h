// http_message.h: HttpRequest and HttpResponse as the runtime's HTTP/1.1 server and
// client pass them around, and the JSON error replies every service gives:
//   {"error": {"code": "NotFound", "message": "no route for GET /nope"}}
#ifndef SLUICE_NATIVE_RUNTIME_HTTP_MESSAGE_H_
#define SLUICE_NATIVE_RUNTIME_HTTP_MESSAGE_H_

#include <deque>
#include <functional>
#include <memory>
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
  std::string remote_address;  // the peer's IP address
  // trace: the server span's context, continuing the caller's traceparent (or a new
  // trace); calls made while handling the request go out as child_of(trace).
  observe::TraceContext trace;
  std::string parent_span_id;  // the caller's span, hex; empty for a new trace

  // header: the first value of `name` (lowercase), if present.
  std::optional<std::string_view> header(std::string_view name) const;
  // header_values: every value of `name` (lowercase), in arrival order.
  std::vector<std::string_view> header_values(std::string_view name) const;
  // trace_headers: the traceparent and tracestate values, for observe::read_trace_context.
  observe::TraceHeaders trace_headers() const;
};

// ResponseStream: the body of a response that is written as it is produced (Server-Sent
// Events), in chunks, until either side ends it. Used on the server's thread.
class ResponseStream {
 public:
  // send: queues one chunk; false (and nothing queued) once the stream has ended.
  bool send(std::string data);
  // close: ends the stream after what is queued; the connection closes with it.
  void close();
  bool closed() const { return closed_; }
  // on_closed: runs once when the stream ends, whoever ended it.
  void on_closed(std::function<void()> callback) { on_closed_ = std::move(callback); }

  // For the server: chunks waiting to be written, and how to wake the writer.
  std::deque<std::string>& queued() { return queued_; }
  void set_wake(std::function<void()> wake) { wake_ = std::move(wake); }
  void mark_closed();

 private:
  std::deque<std::string> queued_;
  std::function<void()> wake_;
  std::function<void()> on_closed_;
  bool closed_ = false;
};

struct HttpResponse {
  int status = 200;
  HttpHeaders headers;  // Content-Length and Connection are added when written
  std::string body;
  bool close = false;  // close the connection after this response
  // stream: when set, the body is this stream's chunks (Transfer-Encoding: chunked)
  // instead of `body`, and the connection ends with the stream.
  std::shared_ptr<ResponseStream> stream;

  static HttpResponse json(int status, const nlohmann::json& body);
  // error: {"error": {"code": code, "message": message}}.
  static HttpResponse error(int status, std::string_view code, std::string_view message);
};

// reason_phrase: "OK", "Not Found", ...
std::string_view reason_phrase(int status);

// serialize_response: the response as bytes, with Content-Length and Connection.
std::string serialize_response(const HttpResponse& response, bool keep_alive);

// serialize_stream_head: the status line and headers of a streamed response.
std::string serialize_stream_head(const HttpResponse& response);

// parse_json_body: the request's body as JSON, or the 400 reply that says why not.
Result<nlohmann::json> parse_json_body(const HttpRequest& request);

}  // namespace sluice::native

#endif  // SLUICE_NATIVE_RUNTIME_HTTP_MESSAGE_H_
