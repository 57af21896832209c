#include "native/runtime/http_request_parser.h"

#include <gtest/gtest.h>

namespace sluice::native {
namespace {

std::vector<HttpRequest> parse_all(RequestParser& parser, const std::string& bytes, std::optional<ParseError>* error) {
  std::vector<HttpRequest> ready;
  *error = parser.feed(bytes, ready);
  return ready;
}

TEST(RequestParserTest, ReadsRequestLineHeadersAndBody) {
  RequestParser parser;
  std::optional<ParseError> error;
  auto ready = parse_all(parser,
                         "POST /api/orders?dry=1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                         "Content-Length: 13\r\n\r\n{\"total\": 10}",
                         &error);
  ASSERT_FALSE(error);
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_EQ(ready[0].method, "POST");
  EXPECT_EQ(ready[0].path, "/api/orders");
  EXPECT_EQ(ready[0].query, "dry=1");
  EXPECT_EQ(ready[0].header("content-type"), "application/json");
  EXPECT_EQ(ready[0].body, "{\"total\": 10}");
  EXPECT_TRUE(ready[0].keep_alive);
}

TEST(RequestParserTest, ReadsPipelinedRequestsAndRequestsSplitAnywhere) {
  RequestParser parser;
  const std::string two = "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  std::vector<HttpRequest> ready;
  for (char c : two) ASSERT_FALSE(parser.feed(std::string(1, c), ready));  // one byte at a time
  ASSERT_EQ(ready.size(), 2u);
  EXPECT_EQ(ready[0].path, "/a");
  EXPECT_EQ(ready[1].path, "/b");
  EXPECT_FALSE(ready[1].keep_alive);
}

TEST(RequestParserTest, DechunksChunkedBodies) {
  RequestParser parser;
  std::optional<ParseError> error;
  auto ready = parse_all(parser,
                         "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                         "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
                         &error);
  ASSERT_FALSE(error);
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_EQ(ready[0].body, "hello world");
}

TEST(RequestParserTest, EnforcesEveryLimitWithTheRightStatus) {
  RequestParser small({.max_header_bytes = 64, .max_body_bytes = 8});
  std::optional<ParseError> error;
  parse_all(small, "GET /" + std::string(100, 'a') + " HTTP/1.1\r\n\r\n", &error);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->status, 431);

  RequestParser declared({.max_header_bytes = 1024, .max_body_bytes = 8});
  parse_all(declared, "POST /x HTTP/1.1\r\nContent-Length: 9\r\n\r\n", &error);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->status, 413);  // refused before the body arrives

  RequestParser chunked({.max_header_bytes = 1024, .max_body_bytes = 8});
  parse_all(chunked, "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n5\r\nworld\r\n", &error);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->status, 413);
  EXPECT_EQ(error->response().status, 413);
  EXPECT_TRUE(error->response().close);
}

TEST(RequestParserTest, MalformedRequestsAre400AndTheParserStaysFailed) {
  RequestParser parser;
  std::optional<ParseError> error;
  parse_all(parser, "BREW /pot HTCPCP/1.0\r\n\r\n", &error);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->status, 400);
  EXPECT_NE(error->message.find("malformed HTTP request"), std::string::npos);
  parse_all(parser, "GET / HTTP/1.1\r\n\r\n", &error);
  EXPECT_TRUE(error);  // still failed
  RequestParser absolute;
  parse_all(absolute, "GET http://example.com/ HTTP/1.1\r\n\r\n", &error);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->message, "the request target must be a path");
}

TEST(RequestParserTest, KnowsWhenARequestIsHalfWay) {
  RequestParser parser;
  std::vector<HttpRequest> ready;
  ASSERT_FALSE(parser.feed("GET / HTTP/1.1\r\nHo", ready));
  EXPECT_TRUE(parser.in_request());
  ASSERT_FALSE(parser.feed("st: x\r\n\r\n", ready));
  EXPECT_FALSE(parser.in_request());
}

TEST(RequestParserTest, RefusesHttp09WhereverTheBytesSplit) {
  // Found by libFuzzer: http-parser completes "GET /path" (HTTP/0.9) without a header
  // block, and how many such requests it saw depended on where reads split the stream.
  const std::string stream = "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b\r\n\r\nGET /c HTTP/1.1\r\nHost: x\r\n\r\n";
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    RequestParser parser;
    std::vector<HttpRequest> ready;
    std::optional<ParseError> error = parser.feed(std::string_view(stream).substr(0, cut), ready);
    if (!error) error = parser.feed(std::string_view(stream).substr(cut), ready);
    ASSERT_TRUE(error.has_value()) << cut;
    EXPECT_EQ(error->status, 505) << cut;
    ASSERT_EQ(ready.size(), 1u) << cut;
    EXPECT_EQ(ready[0].target, "/a");
  }
}

TEST(RequestParserTest, ARequestRefusedAtItsHeadersIsNeverHandedOut) {
  // Found by libFuzzer: a request refused at the end of its headers (a target that is
  // not a path, a declared body over the limit) was still completed and handed out,
  // and parsing went on behind it.
  for (const std::string stream : {"GET */a HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n",
                                   "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n"}) {
    RequestParser parser({.max_header_bytes = 1024, .max_body_bytes = 4096});
    std::optional<ParseError> error;
    EXPECT_TRUE(parse_all(parser, stream, &error).empty()) << stream;
    ASSERT_TRUE(error.has_value());
    EXPECT_TRUE(error->status == 400 || error->status == 413) << error->status;
  }
}

TEST(RequestParserTest, AHeadCheckSeesHeadersBeforeTheBodyAndCanHaveItDiscarded) {
  RequestParser parser({.max_header_bytes = 8192, .max_body_bytes = 16});
  std::vector<std::string> checked;
  parser.set_head_check([&checked](const HttpRequest& head) {
    checked.push_back(head.method + " " + head.path + " body=" + head.body);
    return head.path != "/refused";
  });
  std::vector<HttpRequest> ready;
  // The head check runs before any of the body has arrived.
  ASSERT_FALSE(parser.feed("POST /refused HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n", ready));
  EXPECT_EQ(checked, (std::vector<std::string>{"POST /refused body="}));
  EXPECT_TRUE(ready.empty());
  ASSERT_FALSE(parser.feed("0123456789POST /kept HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbody", ready));
  ASSERT_EQ(ready.size(), 2u);
  EXPECT_EQ(ready[0].path, "/refused");
  EXPECT_EQ(ready[0].body, "");  // read past, not kept
  EXPECT_EQ(ready[1].path, "/kept");
  EXPECT_EQ(ready[1].body, "body");  // the stream stayed in step
  EXPECT_EQ(checked.size(), 2u);
}

TEST(RequestParserTest, ADiscardedBodyIsHeldToTheBodyLimit) {
  RequestParser parser({.max_header_bytes = 8192, .max_body_bytes = 8});
  parser.set_head_check([](const HttpRequest&) { return false; });
  std::vector<HttpRequest> ready;
  const std::optional<ParseError> error = parser.feed(
      "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n", ready);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->status, 413);
}

}  // namespace
}  // namespace sluice::native
