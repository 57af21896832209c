// http_request_parser.h: RequestParser, HTTP/1.1 requests from a byte stream, with
// nodejs's http-parser doing the wire format (request line, headers, Content-Length
// and chunked bodies, keep-alive rules) and this class enforcing our limits.
//
//   RequestParser parser({.max_header_bytes = 8192, .max_body_bytes = 1 << 20});
//   std::vector<HttpRequest> ready;
//   if (auto error = parser.feed(bytes, ready)) reply(error->response()); // then close
//   for (HttpRequest& r : ready) handle(r);   // pipelined requests, in order
//
// After an error the parser stays failed: the connection's byte stream can no longer
// be trusted.
//
// A head check, if set, sees each request once its headers are in, before any of its
// body is read (to refuse work early, as load shedding does); when it says the body is
// not wanted, the body is read past and discarded, and the request completes with an
// empty body.
#ifndef SLUICE_NATIVE_RUNTIME_HTTP_REQUEST_PARSER_H_
#define SLUICE_NATIVE_RUNTIME_HTTP_REQUEST_PARSER_H_

#include <http_parser.h>

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "native/runtime/http_message.h"

namespace sluice::native {

struct HttpLimits {
  std::size_t max_header_bytes = 8 * 1024;   // request line and headers; over it: 431
  std::size_t max_body_bytes = 1024 * 1024;  // after de-chunking; over it: 413
};

// ParseError: why the stream was refused, as the reply to send before closing.
struct ParseError {
  int status = 400;
  std::string code;
  std::string message;

  HttpResponse response() const;
};

class RequestParser {
 public:
  explicit RequestParser(HttpLimits limits = {});

  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;

  // feed: parses `bytes`; each complete request is appended to `ready`. Returns the
  // error that stopped parsing, if any (requests completed before it are in `ready`).
  std::optional<ParseError> feed(std::string_view bytes, std::vector<HttpRequest>& ready);

  // in_request: part of a request has arrived, but not all of it.
  bool in_request() const { return in_message_; }

  // HeadCheck: called with the request's method, target, path, query and headers (no
  // body yet), from inside feed(); returns whether to keep the body.
  using HeadCheck = std::function<bool(const HttpRequest& head)>;
  void set_head_check(HeadCheck check) { head_check_ = std::move(check); }

 private:
  static int on_message_begin(http_parser* parser);
  static int on_url(http_parser* parser, const char* at, std::size_t length);
  static int on_header_field(http_parser* parser, const char* at, std::size_t length);
  static int on_header_value(http_parser* parser, const char* at, std::size_t length);
  static int on_headers_complete(http_parser* parser);
  static int on_body(http_parser* parser, const char* at, std::size_t length);
  static int on_message_complete(http_parser* parser);

  int count_header_bytes(std::size_t length);
  int fail(int status, std::string code, std::string message);

  HttpLimits limits_;
  http_parser parser_;
  http_parser_settings settings_;
  HttpRequest current_;
  bool in_message_ = false;
  bool headers_seen_ = false;  // on_headers_complete ran for the current message
  bool discard_body_ = false;  // the head check did not want the current body
  std::size_t discarded_bytes_ = 0;
  HeadCheck head_check_;
  bool last_was_value_ = false;
  std::size_t header_bytes_ = 0;
  std::vector<HttpRequest>* ready_ = nullptr;
  std::optional<ParseError> error_;
};

}  // namespace sluice::native

#endif  // SLUICE_NATIVE_RUNTIME_HTTP_REQUEST_PARSER_H_
