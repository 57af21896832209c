// The W3C Trace Context suite's service endpoint: each instruction is a POST to the
// harness, in the trace of the request being handled, each call a span of its own.
#include "native/runtime/trace_context_test_route.h"

#include <gtest/gtest.h>

#include <future>
#include <mutex>
#include <thread>

#include "tests/native/runtime/http_test_client.h"

namespace sluice::native {
namespace {

using nlohmann::json;

// Harness: records the trace headers and body of every POST /callback/:n.
struct Harness {
  struct Callback {
    std::string traceparent;  // every value, joined by '|'
    std::string tracestate;
    std::string body;
  };

  Harness() {
    EXPECT_TRUE(router
                    .add("POST", "/callback/:n",
                         [this](const HttpRequest& request, const PathParams&, Responder reply) {
                           auto joined = [&](std::string_view name) {
                             std::string out;
                             for (std::string_view value : request.header_values(name)) {
                               out += (out.empty() ? "" : "|") + std::string(value);
                             }
                             return out;
                           };
                           std::lock_guard<std::mutex> lock(mutex);
                           callbacks.push_back({joined("traceparent"), joined("tracestate"), request.body});
                           reply(HttpResponse::json(200, nullptr));
                         })
                    .ok());
    server = std::make_unique<testing::ServerThread>(router, HttpServerOptions{});
  }
  std::string url(int n) const {
    return "http://127.0.0.1:" + std::to_string(server->port()) + "/callback/" + std::to_string(n);
  }
  std::vector<Callback> seen() {
    std::lock_guard<std::mutex> lock(mutex);
    return callbacks;
  }

  Router router;
  std::mutex mutex;
  std::vector<Callback> callbacks;
  std::unique_ptr<testing::ServerThread> server;
};

// Service: a server with only the test route, whose calls go out on its own loop.
class Service {
 public:
  Service() : work_(asio::make_work_guard(io_)) {
    EXPECT_TRUE(add_trace_context_test_route(router_, io_, 7).ok());
    std::promise<void> ready;
    thread_ = std::thread([&] {
      Result<std::unique_ptr<HttpServer>> started = HttpServer::start(io_, router_, {});
      if (started.ok()) server_ = *std::move(started);
      ready.set_value();
      io_.run();
    });
    ready.get_future().wait();
  }
  ~Service() {
    asio::post(io_, [this] {
      server_.reset();
      work_.reset();
    });
    thread_.join();
  }

  // post: the raw response to POST /admin/trace-context-test with these header lines.
  std::string post(const json& instructions, const std::string& header_lines = "") {
    const std::string body = instructions.dump();
    testing::RawClient client(server_->port());
    client.send("POST /admin/trace-context-test HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + header_lines +
                "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
    return client.read_until_closed();
  }

 private:
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  Router router_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
};

TEST(TraceContextTestRouteTest, CallsEachUrlInTheCallersTraceWithItsTracestate) {
  Harness harness;
  Service service;
  const std::string reply =
      service.post(json::array({{{"url", harness.url(0)}, {"arguments", json::array({{{"url", "x"}}})}},
                                {{"url", harness.url(1)}},
                                {{"url", harness.url(2)}, {"arguments", json::array()}}}),
                   "traceparent: 00-12345678901234567890123456789012-1234567890123456-01\r\n"
                   "tracestate: foo=1\r\ntracestate: bar=2\r\n");
  ASSERT_NE(reply.find("HTTP/1.1 200"), std::string::npos) << reply;
  EXPECT_NE(reply.find(R"("status":200)"), std::string::npos) << reply;
  const std::vector<Harness::Callback> seen = harness.seen();
  ASSERT_EQ(seen.size(), 3u);  // all made before the answer
  std::set<std::string> parents;
  for (const Harness::Callback& callback : seen) {
    ASSERT_EQ(callback.traceparent.size(), 55u) << callback.traceparent;  // exactly one header
    EXPECT_EQ(callback.traceparent.substr(0, 36), "00-12345678901234567890123456789012-");
    EXPECT_EQ(callback.traceparent.substr(53), "01");
    parents.insert(callback.traceparent.substr(36, 16));
    EXPECT_EQ(callback.tracestate, "foo=1,bar=2");
  }
  EXPECT_EQ(parents.size(), 3u);  // a span per call
  EXPECT_FALSE(parents.contains("1234567890123456"));
  EXPECT_EQ(seen[0].body, R"([{"url":"x"}])");
  EXPECT_EQ(seen[1].body, "[]");
}

TEST(TraceContextTestRouteTest, AnInvalidTraceparentStartsANewTraceWithoutTracestate) {
  Harness harness;
  Service service;
  const std::string reply = service.post(json::array({{{"url", harness.url(0)}}}),
                                         "traceparent: 00-00000000000000000000000000000000-1234567890123456-01\r\n"
                                         "tracestate: foo=1\r\n");
  ASSERT_NE(reply.find("HTTP/1.1 200"), std::string::npos) << reply;
  const std::vector<Harness::Callback> seen = harness.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_NE(seen[0].traceparent.substr(3, 32), "00000000000000000000000000000000");
  EXPECT_EQ(seen[0].tracestate, "");
}

TEST(TraceContextTestRouteTest, RefusesBadInstructionsAndCallsNothing) {
  Harness harness;
  Service service;
  for (const json& instructions :
       {json::object(), json::array({{{"url", 7}}}), json::array({{{"arguments", json::array()}}}),
        json::array({{{"url", harness.url(0)}}, {{"url", "https://127.0.0.1/x"}}}),
        json::array({{{"url", "http://192.0.2.1:7777/x"}}}), json::array({{{"url", "http://127.0.0.1:99999/x"}}})}) {
    const std::string reply = service.post(instructions);
    EXPECT_NE(reply.find("HTTP/1.1 400"), std::string::npos) << instructions.dump() << "\n" << reply;
  }
  EXPECT_TRUE(harness.seen().empty());
}

TEST(TraceContextTestRouteTest, AReachableAndAnUnreachableUrlEachGetAResult) {
  Harness harness;
  Service service;
  // Port 1 on loopback: nothing listens there.
  const std::string reply =
      service.post(json::array({{{"url", "http://127.0.0.1:1/nothing"}}, {{"url", harness.url(0)}}}));
  ASSERT_NE(reply.find("HTTP/1.1 200"), std::string::npos) << reply;
  EXPECT_NE(reply.find(R"("error":)"), std::string::npos) << reply;
  EXPECT_EQ(harness.seen().size(), 1u);
}

TEST(ParseLoopbackHttpUrlTest, SplitsHostPortAndTarget) {
  Result<HttpUrl> url = parse_loopback_http_url("http://127.0.0.1:7777/abc.0?x=1");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->host, "127.0.0.1");
  EXPECT_EQ(url->port, 7777);
  EXPECT_EQ(url->target, "/abc.0?x=1");
  EXPECT_EQ(parse_loopback_http_url("http://localhost")->target, "/");
  EXPECT_EQ(parse_loopback_http_url("http://localhost")->port, 80);
  EXPECT_EQ(parse_loopback_http_url("http://[::1]:8080/")->host, "::1");
  EXPECT_FALSE(parse_loopback_http_url("http://example.com/").ok());
  EXPECT_FALSE(parse_loopback_http_url("ftp://127.0.0.1/").ok());
}

}  // namespace
}  // namespace sluice::native
