#include "native/runtime/http_request_parser.h"

#include <cctype>
#include <utility>

namespace sluice::native {
namespace {

RequestParser& self(http_parser* parser) { return *static_cast<RequestParser*>(parser->data); }

}  // namespace

HttpResponse ParseError::response() const {
  HttpResponse reply = HttpResponse::error(status, code, message);
  reply.close = true;
  return reply;
}

RequestParser::RequestParser(HttpLimits limits) : limits_(limits) {
  http_parser_init(&parser_, HTTP_REQUEST);
  parser_.data = this;
  http_parser_settings_init(&settings_);
  settings_.on_message_begin = &RequestParser::on_message_begin;
  settings_.on_url = &RequestParser::on_url;
  settings_.on_header_field = &RequestParser::on_header_field;
  settings_.on_header_value = &RequestParser::on_header_value;
  settings_.on_headers_complete = &RequestParser::on_headers_complete;
  settings_.on_body = &RequestParser::on_body;
  settings_.on_message_complete = &RequestParser::on_message_complete;
}

std::optional<ParseError> RequestParser::feed(std::string_view bytes, std::vector<HttpRequest>& ready) {
  if (error_) return error_;
  ready_ = &ready;
  const std::size_t parsed = http_parser_execute(&parser_, &settings_, bytes.data(), bytes.size());
  ready_ = nullptr;
  if (error_) return error_;
  const auto code = static_cast<http_errno>(parser_.http_errno);
  if (code != HPE_OK) {
    if (code == HPE_HEADER_OVERFLOW) {
      error_ = ParseError{431, "HeaderTooLarge", "request headers exceed the limit"};
    } else {
      error_ =
          ParseError{400, "MalformedRequest", std::string("malformed HTTP request: ") + http_errno_description(code)};
    }
    return error_;
  }
  if (parsed != bytes.size()) {
    // http-parser stops after a message that ends the connection; anything after it
    // is not ours to read.
    error_ = ParseError{400, "MalformedRequest", "data after a request that closes the connection"};
    return error_;
  }
  return std::nullopt;
}

int RequestParser::fail(int status, std::string code, std::string message) {
  if (!error_) error_ = ParseError{status, std::move(code), std::move(message)};
  // Stops http_parser_execute from any callback. Not 1: from on_headers_complete, 1
  // means "no body" and parsing would go on (found by libFuzzer).
  return -1;
}

int RequestParser::count_header_bytes(std::size_t length) {
  header_bytes_ += length;
  if (header_bytes_ > limits_.max_header_bytes) {
    return fail(431, "HeaderTooLarge",
                "request line and headers exceed " + std::to_string(limits_.max_header_bytes) + " bytes");
  }
  return 0;
}

int RequestParser::on_message_begin(http_parser* parser) {
  RequestParser& p = self(parser);
  p.current_ = HttpRequest();
  p.in_message_ = true;
  p.last_was_value_ = false;
  p.header_bytes_ = 0;
  p.headers_seen_ = false;
  p.discard_body_ = false;
  p.discarded_bytes_ = 0;
  return 0;
}

int RequestParser::on_url(http_parser* parser, const char* at, std::size_t length) {
  RequestParser& p = self(parser);
  p.current_.target.append(at, length);
  return p.count_header_bytes(length);
}

int RequestParser::on_header_field(http_parser* parser, const char* at, std::size_t length) {
  RequestParser& p = self(parser);
  if (p.current_.headers.empty() || p.last_was_value_) p.current_.headers.emplace_back();
  p.last_was_value_ = false;
  std::string& name = p.current_.headers.back().first;
  for (std::size_t i = 0; i < length; ++i) name += static_cast<char>(std::tolower(static_cast<unsigned char>(at[i])));
  return p.count_header_bytes(length);
}

int RequestParser::on_header_value(http_parser* parser, const char* at, std::size_t length) {
  RequestParser& p = self(parser);
  p.last_was_value_ = true;
  p.current_.headers.back().second.append(at, length);
  return p.count_header_bytes(length);
}

int RequestParser::on_headers_complete(http_parser* parser) {
  RequestParser& p = self(parser);
  p.headers_seen_ = true;
  HttpRequest& r = p.current_;
  r.method = http_method_str(static_cast<http_method>(parser->method));
  const std::size_t question = r.target.find('?');
  r.path = r.target.substr(0, question);
  if (question != std::string::npos) r.query = r.target.substr(question + 1);
  // HTTP/0.9 ("GET /path" and nothing else) has no headers, so no Host and no length:
  // http-parser's reading of it depends on where reads split the bytes. Not served.
  if (parser->http_major != 1) {
    return p.fail(505, "HttpVersionNotSupported", "only HTTP/1.0 and HTTP/1.1 are served");
  }
  if (r.path.empty() || r.path[0] != '/') return p.fail(400, "MalformedRequest", "the request target must be a path");
  // A declared length over the limit is refused before any of the body is read.
  if ((parser->flags & F_CHUNKED) == 0 && parser->content_length != ULLONG_MAX &&
      parser->content_length > p.limits_.max_body_bytes) {
    return p.fail(413, "PayloadTooLarge", "the body exceeds " + std::to_string(p.limits_.max_body_bytes) + " bytes");
  }
  if (p.head_check_) p.discard_body_ = !p.head_check_(r);
  return 0;
}

int RequestParser::on_body(http_parser* parser, const char* at, std::size_t length) {
  RequestParser& p = self(parser);
  // A discarded body is read past, not kept, but is held to the same limit.
  const std::size_t so_far = p.discard_body_ ? p.discarded_bytes_ : p.current_.body.size();
  if (so_far + length > p.limits_.max_body_bytes) {
    return p.fail(413, "PayloadTooLarge", "the body exceeds " + std::to_string(p.limits_.max_body_bytes) + " bytes");
  }
  if (p.discard_body_) {
    p.discarded_bytes_ += length;
  } else {
    p.current_.body.append(at, length);
  }
  return 0;
}

int RequestParser::on_message_complete(http_parser* parser) {
  RequestParser& p = self(parser);
  // http-parser completes an HTTP/0.9 request ("GET /path") without a header block:
  // none of the checks above ran for it.
  if (!p.headers_seen_ || parser->http_major != 1) {
    return p.fail(505, "HttpVersionNotSupported", "only HTTP/1.0 and HTTP/1.1 are served");
  }
  p.current_.keep_alive = http_should_keep_alive(parser) != 0;
  p.in_message_ = false;
  p.ready_->push_back(std::move(p.current_));
  p.current_ = HttpRequest();
  return 0;
}

}  // namespace sluice::native
