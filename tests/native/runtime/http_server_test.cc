// The HTTP server over loopback, driven by a raw socket client.
#include "native/runtime/http_server.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>

#include "native/runtime/asio_scheduler.h"
#include "tests/native/runtime/http_test_client.h"

namespace sluice::native {
namespace {

using namespace std::chrono_literals;
using testing::RawClient;
using testing::ServerThread;

class HttpServerTest : public ::testing::Test {
 protected:
  HttpServerTest() {
    EXPECT_TRUE(router
                    .add("GET", "/api/inventory/:productId",
                         [](const HttpRequest&, const PathParams& p, Responder reply) {
                           reply(HttpResponse::json(200, {{"productId", p.at("productId")}, {"quantity", 5}}));
                         })
                    .ok());
    EXPECT_TRUE(router
                    .add("POST", "/echo",
                         [](const HttpRequest& request, const PathParams&, Responder reply) {
                           Result<nlohmann::json> body = parse_json_body(request);
                           if (!body.ok())
                             return reply(HttpResponse::error(400, "MalformedJson", body.status().message()));
                           reply(HttpResponse::json(200, *body));
                         })
                    .ok());
    // Answers after `ms` milliseconds, from a timer: a slow handler.
    EXPECT_TRUE(router
                    .add("GET", "/slow/:ms",
                         [this](const HttpRequest&, const PathParams& p, Responder reply) {
                           auto timer = std::make_shared<asio::steady_timer>(
                               *io, std::chrono::milliseconds(std::stoi(p.at("ms"))));
                           timer->async_wait([timer, reply, ms = p.at("ms")](const asio::error_code&) {
                             reply(HttpResponse::json(200, {{"slept_ms", ms}}));
                           });
                         })
                    .ok());
  }

  // /held answers 100 ms after it is called, and says when it was called.
  void add_held_route() {
    EXPECT_TRUE(router
                    .add("GET", "/held",
                         [this](const HttpRequest&, const PathParams&, Responder reply) {
                           held_started.set_value();
                           auto timer = std::make_shared<asio::steady_timer>(*io, std::chrono::milliseconds(100));
                           timer->async_wait([timer, reply](const asio::error_code&) {
                             reply(HttpResponse::json(200, {{"held", true}}));
                           });
                         })
                    .ok());
  }

  std::unique_ptr<ServerThread> serve(HttpServerOptions options = {}) {
    auto server = std::make_unique<ServerThread>(router, options);
    io = &server->io();
    return server;
  }

  Router router;
  asio::io_context* io = nullptr;
  std::promise<void> held_started;
};

TEST_F(HttpServerTest, AnswersJsonAndKeepsTheConnectionAlive) {
  auto server = serve();
  RawClient client(server->port());
  client.send("GET /api/inventory/SKU-123 HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string first = client.read_responses(1);
  EXPECT_EQ(first.rfind("HTTP/1.1 200 OK\r\n", 0), 0u);
  EXPECT_NE(first.find("Connection: keep-alive"), std::string::npos);
  EXPECT_NE(first.find(R"({"productId":"SKU-123","quantity":5})"), std::string::npos);
  client.send("GET /api/inventory/SKU-9 HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_NE(client.read_responses(2).find("SKU-9"), std::string::npos);  // the same connection
}

TEST_F(HttpServerTest, AHandlerThatThrowsFailsOnlyItsRequest) {
  EXPECT_TRUE(router
                  .add("GET", "/bug",
                       [](const HttpRequest&, const PathParams&, Responder) -> void {
                         throw std::runtime_error("a bug in the handler");
                       })
                  .ok());
  auto server = serve();
  RawClient client(server->port());
  client.send("GET /bug HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::string failed = client.read_responses(1);
  EXPECT_EQ(failed.rfind("HTTP/1.1 500", 0), 0u) << failed;
  EXPECT_NE(failed.find(R"("detail":"a bug in the handler")"), std::string::npos) << failed;
  // The same connection, and the server, go on.
  client.send("GET /api/inventory/SKU-1 HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_NE(client.read_responses(2).find(R"({"productId":"SKU-1","quantity":5})"), std::string::npos);
}

TEST_F(HttpServerTest, AnswersPipelinedRequestsInOrderEvenWhenTheFirstIsSlow) {
  auto server = serve();
  RawClient client(server->port());
  client.send(
      "GET /slow/50 HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /api/inventory/fast HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /slow/1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const std::string replies = client.read_until_closed();
  const std::size_t slow = replies.find("\"slept_ms\":\"50\"");
  const std::size_t fast = replies.find("fast");
  const std::size_t last = replies.find("\"slept_ms\":\"1\"");
  ASSERT_NE(slow, std::string::npos);
  ASSERT_NE(fast, std::string::npos);
  ASSERT_NE(last, std::string::npos);
  EXPECT_LT(slow, fast);
  EXPECT_LT(fast, last);
  EXPECT_NE(replies.find("Connection: close"), std::string::npos);
}

TEST_F(HttpServerTest, ReadsChunkedBodiesAndRejectsMalformedJsonWith400) {
  auto server = serve();
  RawClient client(server->port());
  client.send(
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n7\r\n{\"a\": 1\r\n1\r\n}\r\n0\r\n\r\n");
  EXPECT_NE(client.read_responses(1).find(R"({"a":1})"), std::string::npos);
  client.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n{oops");
  const std::string replies = client.read_responses(2);
  EXPECT_NE(replies.find("HTTP/1.1 400 Bad Request"), std::string::npos);
  EXPECT_NE(replies.find(R"({"error":{"code":"MalformedJson","message":"malformed JSON)"), std::string::npos);
}

TEST_F(HttpServerTest, UnknownRoutesAre404AndWrongMethods405) {
  auto server = serve();
  RawClient client(server->port());
  client.send("GET /nope HTTP/1.1\r\nHost: x\r\n\r\nDELETE /echo HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::string replies = client.read_responses(2);
  EXPECT_NE(replies.find("HTTP/1.1 404 Not Found"), std::string::npos);
  EXPECT_NE(replies.find("HTTP/1.1 405 Method Not Allowed"), std::string::npos);
  EXPECT_NE(replies.find("Allow: POST"), std::string::npos);
}

TEST_F(HttpServerTest, LimitsAreJsonErrorsThatCloseTheConnection) {
  auto server = serve({.limits = {.max_header_bytes = 256, .max_body_bytes = 16}});
  {
    RawClient client(server->port());
    client.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 17\r\n\r\n");
    const std::string reply = client.read_until_closed();
    EXPECT_NE(reply.find("HTTP/1.1 413 Payload Too Large"), std::string::npos);
    EXPECT_NE(reply.find("PayloadTooLarge"), std::string::npos);
  }
  {
    RawClient client(server->port());
    client.send("GET /api/inventory/x HTTP/1.1\r\nX-Big: " + std::string(300, 'b') + "\r\n\r\n");
    EXPECT_NE(client.read_until_closed().find("HTTP/1.1 431"), std::string::npos);
  }
  {
    RawClient client(server->port());
    client.send("NOT HTTP AT ALL\r\n\r\n");
    EXPECT_NE(client.read_until_closed().find("HTTP/1.1 400"), std::string::npos);
  }
}

TEST_F(HttpServerTest, ASlowRequestGets408AndAnIdleConnectionIsClosed) {
  auto server = serve({.request_timeout = 50ms, .idle_timeout = 50ms});
  {
    RawClient client(server->port());
    client.send("GET /api/inventory/x HTTP/1.1\r\nHost:");  // and nothing more
    EXPECT_NE(client.read_until_closed().find("HTTP/1.1 408 Request Timeout"), std::string::npos);
  }
  {
    RawClient client(server->port());
    EXPECT_EQ(client.read_until_closed(), "");  // closed without a word
  }
}

TEST_F(HttpServerTest, ConnectionsOverTheLimitGet503) {
  auto server = serve({.max_connections = 1});
  RawClient first(server->port());
  first.send("GET /api/inventory/a HTTP/1.1\r\nHost: x\r\n\r\n");
  first.read_responses(1);  // the first connection is established and counted
  RawClient second(server->port());
  EXPECT_NE(second.read_until_closed().find("HTTP/1.1 503"), std::string::npos);
}

TEST_F(HttpServerTest, ShutdownFinishesInFlightRequestsAndRefusesNewOnes) {
  add_held_route();
  auto server = serve();
  RawClient client(server->port());
  client.send("GET /held HTTP/1.1\r\nHost: x\r\n\r\n");
  // Once the handler is at work, shut down from the server's thread.
  held_started.get_future().wait();
  std::promise<void> drained;
  asio::post(server->io(), [&] { server->server().shutdown([&] { drained.set_value(); }); });
  const std::string reply = client.read_until_closed();
  EXPECT_NE(reply.find("\"held\":true"), std::string::npos);
  EXPECT_NE(reply.find("Connection: close"), std::string::npos);
  EXPECT_EQ(drained.get_future().wait_for(5s), std::future_status::ready);
  asio::io_context io;
  asio::ip::tcp::socket late(io);
  asio::error_code error;
  late.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), server->port()), error);
  EXPECT_TRUE(error);  // nobody listens any more
}

TEST(HttpServerStartTest, APortInUseIsAClearError) {
  asio::io_context io;
  Router router;
  Result<std::unique_ptr<HttpServer>> first = HttpServer::start(io, router, {});
  ASSERT_TRUE(first.ok());
  Result<std::unique_ptr<HttpServer>> second = HttpServer::start(io, router, {.port = (*first)->port()});
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find("cannot listen on 127.0.0.1:" + std::to_string((*first)->port())),
            std::string::npos);
}

// occurrences: how many times `what` appears in `text`.
int occurrences(const std::string& text, const std::string& what) {
  int n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// eventually: polls `condition` until it holds or 5 s pass.
template <typename Condition>
bool eventually(Condition condition) {
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

// A limiter that admits exactly one request at a time, whatever it learns.
resilience::AdaptiveLimiterConfig one_at_a_time() {
  resilience::AdaptiveLimiterConfig config;
  config.min_limit = config.max_limit = config.initial_limit = 1;
  return config;
}

TEST_F(HttpServerTest, OverTheLimitARequestGets503WithRetryAfterAndJsonBeforeItsBodyIsUsed) {
  resilience::AdaptiveLimiter limiter("test", one_at_a_time(), steady_time_source(), 1);
  auto server = serve({.limiter = &limiter});
  RawClient slow(server->port());
  slow.send("GET /slow/300 HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(eventually([&] { return limiter.in_flight() == 1; }));

  RawClient shed(server->port());
  shed.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 8\r\n\r\n{\"a\": 1}");
  const std::string refused = shed.read_responses(1);
  EXPECT_EQ(refused.rfind("HTTP/1.1 503 Service Unavailable\r\n", 0), 0u) << refused;
  EXPECT_NE(refused.find("\r\nRetry-After: 1\r\n"), std::string::npos) << refused;
  EXPECT_NE(refused.find("application/json"), std::string::npos) << refused;
  EXPECT_NE(refused.find(R"({"error":{"code":"Overloaded","message":"the server is at its concurrency limit; retry later"}})"),
            std::string::npos)
      << refused;
  EXPECT_EQ(refused.find("Connection: close"), std::string::npos) << "a shed request keeps its connection";
  EXPECT_EQ(limiter.stats().rejected, 1u);

  EXPECT_NE(slow.read_responses(1).find("HTTP/1.1 200"), std::string::npos);  // the admitted one is served
  ASSERT_TRUE(eventually([&] { return limiter.in_flight() == 0; }));
  // Under the limit again, on the same connection: its discarded body left the stream in step.
  shed.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 8\r\n\r\n{\"a\": 2}");
  const std::string both = shed.read_responses(2);
  EXPECT_NE(both.find("HTTP/1.1 200 OK"), std::string::npos) << both;
  EXPECT_NE(both.find(R"({"a":2})"), std::string::npos) << both;
  EXPECT_EQ(limiter.stats().accepted, 2u);
}

TEST_F(HttpServerTest, RoutesMarkedNeverShedAreServedWhenTheLimitIsReached) {
  ASSERT_TRUE(router
                  .add("GET", "/healthz",
                       [](const HttpRequest&, const PathParams&, Responder reply) {
                         reply(HttpResponse::json(200, {{"status", "ok"}}));
                       })
                  .ok());
  ASSERT_TRUE(router.never_shed("/healthz").ok());
  resilience::AdaptiveLimiter limiter("test", one_at_a_time(), steady_time_source(), 1);
  auto server = serve({.limiter = &limiter});
  RawClient slow(server->port());
  slow.send("GET /slow/300 HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(eventually([&] { return limiter.in_flight() == 1; }));
  RawClient health(server->port());
  health.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /api/inventory/SKU-1 HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::string answers = health.read_responses(2);
  EXPECT_EQ(answers.rfind("HTTP/1.1 200 OK", 0), 0u) << answers;      // health: served
  EXPECT_NE(answers.find("HTTP/1.1 503"), std::string::npos) << answers;  // the API call: shed
  EXPECT_EQ(limiter.stats().rejected, 1u);
  EXPECT_EQ(limiter.stats().accepted, 1u);  // the health check took no permit
}

TEST_F(HttpServerTest, UnderTheLimitEverythingIsServedAndEachPermitGoesBack) {
  ASSERT_TRUE(router
                  .add("GET", "/unavailable",
                       [](const HttpRequest&, const PathParams&, Responder reply) {
                         reply(HttpResponse::error(503, "Unavailable", "a dependency is down"));
                       })
                  .ok());
  resilience::AdaptiveLimiter limiter("test", resilience::AdaptiveLimiterConfig{}, steady_time_source(), 1);
  auto server = serve({.limiter = &limiter});
  RawClient client(server->port());
  // One after another: pipelined, all seven would be in flight at once.
  std::vector<std::string> targets = {"/nowhere", "/unavailable"};
  for (int i = 0; i < 5; ++i) targets.push_back("/api/inventory/SKU-" + std::to_string(i));
  std::string answers;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    client.send("GET " + targets[i] + " HTTP/1.1\r\nHost: x\r\n\r\n");
    answers = client.read_responses(static_cast<int>(i) + 1);
  }
  EXPECT_EQ(occurrences(answers, "HTTP/1.1 200 OK"), 5) << answers;
  EXPECT_EQ(occurrences(answers, "HTTP/1.1 404"), 1) << answers;
  ASSERT_TRUE(eventually([&] { return limiter.stats().accepted == 7 && limiter.in_flight() == 0; }));
  const resilience::AdaptiveLimiterStats stats = limiter.stats();
  EXPECT_EQ(stats.rejected, 0u);
  EXPECT_EQ(stats.succeeded, 5u);  // latency samples
  EXPECT_EQ(stats.ignored, 1u);    // no route: no work done
  EXPECT_EQ(stats.dropped, 1u);    // a 503 from further down: a drop signal
}

}  // namespace
}  // namespace sluice::native
