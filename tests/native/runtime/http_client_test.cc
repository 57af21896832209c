// The HTTP client against our server, both on one io_context in the test's thread.
#include "native/runtime/http_client.h"

#include <gtest/gtest.h>

#include "core/resilience/circuit_breaker.h"
#include "core/resilience/retry.h"
#include "native/runtime/asio_scheduler.h"
#include "native/runtime/http_server.h"

namespace sluice::native {
namespace {

using namespace std::chrono_literals;

class HttpClientTest : public ::testing::Test {
 protected:
  HttpClientTest() {
    EXPECT_TRUE(router
                    .add("GET", "/api/inventory/:productId",
                         [this](const HttpRequest& request, const PathParams& p, Responder reply) {
                           seen_traceparents.emplace_back(request.header("traceparent").value_or(""));
                           reply(HttpResponse::json(200, {{"productId", p.at("productId")}}));
                         })
                    .ok());
    // /flaky fails with 503 `failures_left` times, then answers 200.
    EXPECT_TRUE(router
                    .add("GET", "/flaky",
                         [this](const HttpRequest&, const PathParams&, Responder reply) {
                           if (failures_left > 0) {
                             --failures_left;
                             return reply(HttpResponse::error(503, "Unavailable", "not yet"));
                           }
                           reply(HttpResponse::json(200, {{"ok", true}}));
                         })
                    .ok());
    // /slow answers after 20 ms, and counts how many are in flight at once.
    EXPECT_TRUE(router
                    .add("GET", "/slow",
                         [this](const HttpRequest&, const PathParams&, Responder reply) {
                           max_in_flight = std::max(max_in_flight, ++in_flight);
                           auto timer = std::make_shared<asio::steady_timer>(io, 20ms);
                           timer->async_wait([this, timer, reply](const asio::error_code&) {
                             --in_flight;
                             reply(HttpResponse::json(200, {{"slow", true}}));
                           });
                         })
                    .ok());
    server = *HttpServer::start(io, router, {});
  }

  HttpClientOptions options() { return {.host = "127.0.0.1", .port = server->port(), .target_service = "inventory"}; }

  static HttpRequest get(std::string path) {
    HttpRequest request;
    request.method = "GET";
    request.path = std::move(path);
    return request;
  }

  // run_until: runs the loop until `done` says so (bounded by a watchdog).
  void run_until(const std::function<bool()>& done) {
    asio::steady_timer watchdog(io, 10s);
    watchdog.async_wait([this](const asio::error_code& error) {
      if (!error) io.stop();
    });
    while (!done() && !io.stopped()) io.run_one();
    watchdog.cancel();
  }

  asio::io_context io;
  Router router;
  std::unique_ptr<HttpServer> server;
  std::vector<std::string> seen_traceparents;
  int failures_left = 0;
  int in_flight = 0;
  int max_in_flight = 0;
};

TEST_F(HttpClientTest, ReusesOneKeptAliveConnectionForSequentialRequests) {
  HttpClient client(io, options());
  int answered = 0;
  std::function<void()> next = [&] {
    client.request(get("/api/inventory/SKU-" + std::to_string(answered)), [&](Result<HttpClientResponse> r) {
      ASSERT_TRUE(r.ok()) << r.status().message();
      EXPECT_EQ(r->status, 200);
      EXPECT_NE(r->body.find("SKU-" + std::to_string(answered)), std::string::npos);
      if (++answered < 3) next();
    });
  };
  next();
  run_until([&] { return answered == 3; });
  EXPECT_EQ(client.open_connections(), 1u);
  EXPECT_EQ(server->connections(), 1u);
}

TEST_F(HttpClientTest, AConnectionTheServerClosesWhileIdleLeavesThePool) {
  HttpClient client(io, options());
  int answered = 0;
  client.request(get("/api/inventory/SKU-1"), [&](Result<HttpClientResponse> r) {
    EXPECT_TRUE(r.ok() && r->status == 200);
    ++answered;
  });
  run_until([&] { return answered == 1; });
  ASSERT_EQ(client.idle_connections(), 1u);
  // The server restarts on its port: its kept-alive connection is closed under the pool.
  const std::uint16_t port = server->port();
  bool stopped = false;
  server->shutdown([&] { stopped = true; });
  run_until([&] { return stopped && client.open_connections() == 0; });
  EXPECT_EQ(client.open_connections(), 0u);
  EXPECT_EQ(client.idle_connections(), 0u);
  server = *HttpServer::start(io, router, {.port = port});
  // The next request goes out on a new connection, not into the dead one.
  client.request(get("/api/inventory/SKU-2"), [&](Result<HttpClientResponse> r) {
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r->status, 200);
    ++answered;
  });
  run_until([&] { return answered == 2; });
  EXPECT_EQ(answered, 2);
  EXPECT_EQ(client.open_connections(), 1u);
}

TEST_F(HttpClientTest, SendsTheCallersTraceContext) {
  HttpClient client(io, options());
  HttpRequest request = get("/api/inventory/SKU-1");
  request.trace = *observe::parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  bool done = false;
  client.request(request, [&](Result<HttpClientResponse>) { done = true; });
  run_until([&] { return done; });
  ASSERT_EQ(seen_traceparents.size(), 1u);
  EXPECT_EQ(seen_traceparents[0], "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
}

TEST_F(HttpClientTest, NeverOpensMoreThanMaxConnectionsAndQueuesTheRest) {
  HttpClientOptions limited = options();
  limited.max_connections = 2;
  HttpClient client(io, limited);
  int answered = 0;
  for (int i = 0; i < 6; ++i) {
    client.request(get("/slow"), [&](Result<HttpClientResponse> r) {
      EXPECT_TRUE(r.ok());
      ++answered;
    });
  }
  run_until([&] { return answered == 6; });
  EXPECT_EQ(max_in_flight, 2);
  EXPECT_LE(client.open_connections(), 2u);
}

TEST_F(HttpClientTest, RefusesAtOnceWhenThePendingQueueIsFull) {
  HttpClientOptions limited = options();
  limited.max_connections = 1;
  limited.max_pending_requests = 1;
  HttpClient client(io, limited);
  std::vector<std::string> outcomes;
  for (int i = 0; i < 3; ++i) {
    client.request(get("/slow"), [&](Result<HttpClientResponse> r) {
      outcomes.push_back(r.ok() ? "ok" : std::string(r.status().reason()));
    });
  }
  run_until([&] { return outcomes.size() == 3; });
  EXPECT_EQ(outcomes, (std::vector<std::string>{"pool_overflow", "ok", "ok"}));  // the third, refused at once
}

TEST_F(HttpClientTest, ResolvesAHostName) {
  HttpClientOptions named = options();
  named.host = "localhost";
  HttpClient client(io, named);
  std::optional<int> status;
  client.request(get("/api/inventory/SKU-1"), [&](Result<HttpClientResponse> r) { status = r.ok() ? r->status : -1; });
  run_until([&] { return status.has_value(); });
  EXPECT_EQ(*status, 200);
}

TEST_F(HttpClientTest, AHostThatRefusesIsAConnectError) {
  HttpClientOptions nowhere = options();
  nowhere.port = 1;  // nothing listens on port 1 here
  HttpClient client(io, nowhere);
  std::optional<Status> error;
  client.request(get("/x"), [&](Result<HttpClientResponse> r) { error = r.status(); });
  run_until([&] { return error.has_value(); });
  EXPECT_EQ(error->reason(), "connect_failed");
  EXPECT_NE(error->message().find("cannot connect to inventory at 127.0.0.1:1"), std::string::npos);
  EXPECT_EQ(client.open_connections(), 0u);
}

TEST_F(HttpClientTest, CallRetriesA503ThroughThePipeline) {
  AsioScheduler scheduler(io);
  resilience::Retry retry({.max_attempts = 3, .initial_backoff = 1ms, .jitter = resilience::Jitter::kNone},
                          time::Prng(1));
  resilience::Pipeline pipeline = resilience::Pipeline::Builder(scheduler).retry(retry).build();
  HttpClient client(io, options());
  failures_left = 2;
  std::optional<int> status;
  client.call(pipeline, get("/flaky"), [&](Result<HttpClientResponse> r, const resilience::CallResult& verdict) {
    EXPECT_EQ(verdict.outcome, resilience::Outcome::kSuccess);
    status = r.ok() ? r->status : -1;
  });
  run_until([&] { return status.has_value(); });
  EXPECT_EQ(*status, 200);
  EXPECT_EQ(failures_left, 0);
}

TEST_F(HttpClientTest, CallGivesTheLastResponseWhenRetriesRunOut) {
  AsioScheduler scheduler(io);
  resilience::Retry retry({.max_attempts = 2, .initial_backoff = 1ms, .jitter = resilience::Jitter::kNone},
                          time::Prng(1));
  resilience::Pipeline pipeline = resilience::Pipeline::Builder(scheduler).retry(retry).build();
  HttpClient client(io, options());
  failures_left = 5;
  std::optional<resilience::CallResult> verdict;
  int status = 0;
  client.call(pipeline, get("/flaky"), [&](Result<HttpClientResponse> r, const resilience::CallResult& how) {
    verdict = how;
    status = r.ok() ? r->status : -1;
  });
  run_until([&] { return verdict.has_value(); });
  EXPECT_EQ(verdict->outcome, resilience::Outcome::kFailure);
  EXPECT_EQ(status, 503);
  EXPECT_EQ(failures_left, 3);
}

TEST_F(HttpClientTest, AnOpenBreakerAnswersWithoutCallingSoTheCallerFallsBack) {
  AsioScheduler scheduler(io);
  resilience::CircuitBreaker breaker("inventory", resilience::CircuitBreakerConfig::like_article(1, 30s), scheduler);
  resilience::Pipeline pipeline = resilience::Pipeline::Builder(scheduler).breaker(breaker).build();
  HttpClient client(io, options());
  failures_left = 100;
  std::vector<std::string> reasons;
  auto check = [&] {
    client.call(pipeline, get("/flaky"), [&](Result<HttpClientResponse> r, const resilience::CallResult& verdict) {
      // The article's fallback: assume in stock when inventory cannot answer.
      const bool in_stock = verdict.outcome == resilience::Outcome::kSuccess ? r.ok() : true;
      EXPECT_TRUE(in_stock);
      reasons.push_back(verdict.reason);
    });
  };
  check();
  run_until([&] { return reasons.size() == 1; });
  check();
  run_until([&] { return reasons.size() == 2; });
  EXPECT_EQ(reasons[0], "http_503");
  EXPECT_EQ(reasons[1], "breaker_open");
  EXPECT_EQ(failures_left, 99);  // the second call never reached the server
}

}  // namespace
}  // namespace sluice::native
