#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "core/time/manual_clock.h"
#include "native/runtime/http_observability.h"
#include "native/runtime/json_log.h"
#include "native/runtime/metrics.h"
#include "tests/native/runtime/http_test_client.h"

namespace sluice::native {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

observe::TraceContext spec_trace() {
  return *observe::parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
}

TEST(JsonLogTest, WritesOneJsonObjectPerLineWithTheStandardFields) {
  std::ostringstream out;
  JsonLog log("inventory", spdlog::level::info, std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
  const observe::TraceContext trace = spec_trace();
  log.log(spdlog::level::info, "stock.reserved", &trace, 1.5, {{"productId", "SKU-123"}, {"service", "spoofed"}});
  log.log(spdlog::level::debug, "hidden", nullptr, std::nullopt);  // below the level
  std::string line;
  std::istringstream lines(out.str());
  ASSERT_TRUE(std::getline(lines, line));
  const json parsed = json::parse(line);
  EXPECT_EQ(parsed["service"], "inventory");  // a field cannot overwrite the standard ones
  EXPECT_EQ(parsed["level"], "info");
  EXPECT_EQ(parsed["traceId"], "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(parsed["spanId"], "00f067aa0ba902b7");
  EXPECT_EQ(parsed["action"], "stock.reserved");
  EXPECT_EQ(parsed["duration_ms"], 1.5);
  EXPECT_EQ(parsed["productId"], "SKU-123");
  EXPECT_EQ(std::string(parsed["timestamp"]).size(), 24u);  // 2026-11-24T06:40:01.123Z
  EXPECT_FALSE(std::getline(lines, line));
}

TEST(JsonLogTest, ParsesLevelsAndRefusesOthers) {
  EXPECT_EQ(*JsonLog::parse_level("warn"), spdlog::level::warn);
  EXPECT_EQ(*JsonLog::parse_level("error"), spdlog::level::err);
  EXPECT_NE(JsonLog::parse_level("loud").status().message().find("got \"loud\""), std::string::npos);
}

TEST(JsonLogTest, SpansAreOtlpShaped) {
  SpanRecord span{.name = "GET /x", .context = spec_trace(), .parent_span_id = "1111111111111111"};
  span.start = std::chrono::system_clock::time_point(1s);
  span.end = span.start + 2ms;
  span.attributes = {{"http.status_code", 200}, {"http.route", "/x"}};
  const json out = JsonLog::span_json(span, "inventory");
  EXPECT_EQ(out["traceId"], "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(out["parentSpanId"], "1111111111111111");
  EXPECT_EQ(out["startTimeUnixNano"], "1000000000");
  EXPECT_EQ(out["endTimeUnixNano"], "1002000000");
  EXPECT_EQ(out["kind"], "SPAN_KIND_SERVER");
  EXPECT_EQ(out["attributes"][0]["value"]["stringValue"], "/x");
  EXPECT_EQ(out["attributes"][1]["value"]["intValue"], "200");
  EXPECT_FALSE(out.contains("traceState"));
  span.context.tracestate = "rojo=00f067aa0ba902b7";
  EXPECT_EQ(JsonLog::span_json(span, "inventory")["traceState"], "rojo=00f067aa0ba902b7");
}

TEST(MetricsTest, TheRedHistogramHasTheArticlesLabelsAndBuckets) {
  Metrics metrics;
  metrics.record_http("GET", "/api/inventory/:productId", 200, "inventory", 30ms);
  metrics.record_http("GET", "/api/inventory/:productId", 503, "inventory", 2s);
  const std::string text = metrics.exposition();
  const std::string labels =
      R"(method="GET",route="/api/inventory/:productId",status="200",target_service="inventory")";
  for (const char* le : {"0.01", "0.05", "0.1", "0.5", "1", "5", "+Inf"}) {
    EXPECT_NE(text.find("http_request_duration_seconds_bucket{" + labels + ",le=\"" + le + "\"}"), std::string::npos)
        << le;
  }
  EXPECT_NE(text.find("http_request_duration_seconds_bucket{" + labels + ",le=\"0.01\"} 0"), std::string::npos);
  EXPECT_NE(text.find("http_request_duration_seconds_bucket{" + labels + ",le=\"0.05\"} 1"), std::string::npos);
  EXPECT_NE(text.find("http_requests_total{" + labels + "} 1"), std::string::npos);
  EXPECT_NE(text.find(R"(http_request_errors_total{method="GET",route="/api/inventory/:productId",status="503")"),
            std::string::npos);
  EXPECT_EQ(text.find(R"(http_request_errors_total{method="GET",route="/api/inventory/:productId",status="200")"),
            std::string::npos);
  EXPECT_NE(text.find("process_resident_memory_bytes "), std::string::npos);
  EXPECT_NE(text.find("process_cpu_seconds_total "), std::string::npos);
}

TEST(MetricsTest, ReportsBreakerStatesAndPoolUseAtEveryScrape) {
  Metrics metrics;
  time::ManualClock clock;
  resilience::CircuitBreaker breaker("payment", resilience::CircuitBreakerConfig::like_article(1, 30s), clock);
  metrics.watch(breaker);
  PoolUse use{.open = 3, .idle = 1, .pending = 5};
  metrics.watch("payment", [&] { return use; });
  EXPECT_NE(metrics.exposition().find(R"(circuit_breaker_state{name="payment",state="CLOSED"} 1)"), std::string::npos);
  breaker.force_open();
  use.pending = 0;
  const std::string text = metrics.exposition();
  EXPECT_NE(text.find(R"(circuit_breaker_state{name="payment",state="CLOSED"} 0)"), std::string::npos);
  EXPECT_NE(text.find(R"(circuit_breaker_state{name="payment",state="FORCED_OPEN"} 1)"), std::string::npos);
  EXPECT_NE(text.find(R"(http_client_pool_connections{state="open",target_service="payment"} 3)"), std::string::npos);
  EXPECT_NE(text.find(R"(http_client_pool_pending{target_service="payment"} 0)"), std::string::npos);
}

TEST(MetricsTest, ReportsAnAdaptiveLimitersLimitInFlightAndRefusalsAtEveryScrape) {
  Metrics metrics;
  time::ManualClock clock;
  resilience::AdaptiveLimiterConfig config;
  config.min_limit = 3;  // the first probe admits 3
  resilience::AdaptiveLimiter limiter("order", config, clock, 1);
  metrics.watch(limiter);
  std::vector<resilience::AdaptiveLimiter::Permit> held;
  for (int i = 0; i < 5; ++i) held.push_back(limiter.try_acquire());  // 3 admitted (the first probe), 2 refused
  std::string text = metrics.exposition();
  EXPECT_NE(text.find(R"(adaptive_concurrency_limit{name="order"} 3)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"(adaptive_concurrency_in_flight{name="order"} 3)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"(adaptive_concurrency_rejected_total{name="order"} 2)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"(adaptive_concurrency_accepted_total{name="order"} 3)"), std::string::npos) << text;
  held.clear();
  limiter.try_acquire().release(resilience::LimitOutcome::kIgnored);  // one more admitted, and done
  for (int i = 0; i < 4; ++i) held.push_back(limiter.try_acquire());
  text = metrics.exposition();
  EXPECT_NE(text.find(R"(adaptive_concurrency_in_flight{name="order"} 3)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"(adaptive_concurrency_rejected_total{name="order"} 3)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"(adaptive_concurrency_accepted_total{name="order"} 7)"), std::string::npos) << text;
}

// Prometheus's own parser and lint rules (promtool, from Debian's prometheus package).
TEST(MetricsTest, PromtoolAcceptsTheExposition) {
  Metrics metrics;
  time::ManualClock clock;
  resilience::CircuitBreaker breaker("payment", resilience::CircuitBreakerConfig::like_article(1, 30s), clock);
  metrics.watch(breaker);
  resilience::AdaptiveLimiter limiter("order", resilience::AdaptiveLimiterConfig{}, clock, 1);
  metrics.watch(limiter);
  metrics.watch("payment", [] { return PoolUse{.open = 2, .idle = 1, .pending = 0}; });
  metrics.record_grpc(Metrics::Side::kServer, "inventory.InventoryService", "CheckStock", "OK", 3ms);
  metrics.record_http("POST", "/api/orders", 201, "order", 12ms);
  metrics.record_http("GET", "/api/orders/:id", 404, "order", 1ms);
  const std::string path = std::string(std::getenv("TEST_TMPDIR")) + "/metrics.txt";
  std::ofstream(path) << metrics.exposition();
  const std::string command = "promtool check metrics < " + path + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[512];
  while (std::fgets(buffer, sizeof(buffer), pipe) != nullptr) output += buffer;
  const int status = pclose(pipe);
  EXPECT_EQ(status, 0) << output;
  EXPECT_EQ(output, "");  // no lint complaints either
}

}  // namespace
}  // namespace sluice::native

namespace sluice::native {
namespace {

// A request over loopback: its trace continues the caller's, and it shows up in the
// log, as a span and in /metrics.
TEST(HttpObservabilityTest, ARequestIsLoggedTracedAndCounted) {
  std::ostringstream out;
  JsonLog log("inventory", spdlog::level::info, std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
  Metrics metrics;
  HttpObservability observability("inventory", metrics, log);
  Router router;
  bool ready = false;
  ASSERT_TRUE(add_standard_routes(router, "inventory", metrics, [&] {
                return ready ? Status() : Status(StatusCode::kUnavailable, "stock database not open");
              }).ok());
  ASSERT_TRUE(router
                  .add("GET", "/api/inventory/:productId",
                       [](const HttpRequest& request, const PathParams&, Responder reply) {
                         reply(HttpResponse::json(200, {{"traceId", request.trace.trace_id_hex()}}));
                       })
                  .ok());
  testing::ServerThread server(router, {.observer = &observability});
  {
    testing::RawClient client(server.port());
    client.send(
        "GET /api/inventory/SKU-123 HTTP/1.1\r\nHost: x\r\n"
        "traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\n\r\n"
        "GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n"
        "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    const std::string replies = client.read_until_closed();
    EXPECT_NE(replies.find(R"({"traceId":"4bf92f3577b34da6a3ce929d0e0e4736"})"), std::string::npos);
    EXPECT_NE(replies.find("HTTP/1.1 503"), std::string::npos);
    EXPECT_NE(replies.find("stock database not open"), std::string::npos);
    EXPECT_NE(replies.find("text/plain; version=0.0.4"), std::string::npos);
    EXPECT_NE(
        replies.find(
            R"(http_requests_total{method="GET",route="/api/inventory/:productId",status="200",target_service="inventory"} 1)"),
        std::string::npos);
  }
  bool logged = false;
  bool spanned = false;
  std::istringstream lines(out.str());
  for (std::string line; std::getline(lines, line);) {
    const json entry = json::parse(line);
    if (entry["action"] == "http.request" && entry["route"] == "/api/inventory/:productId") {
      logged = true;
      EXPECT_EQ(entry["traceId"], "4bf92f3577b34da6a3ce929d0e0e4736");
      EXPECT_NE(entry["spanId"], "00f067aa0ba902b7");  // the server's own span
      EXPECT_EQ(entry["status"], 200);
    }
    if (entry["action"] == "span" && entry["span"]["name"] == "GET /api/inventory/:productId") {
      spanned = true;
      EXPECT_EQ(entry["span"]["parentSpanId"], "00f067aa0ba902b7");
    }
  }
  EXPECT_TRUE(logged);
  EXPECT_TRUE(spanned);
}

// What the server makes of the trace headers a request carries, as the W3C suite
// sends them: repeated headers, whitespace, case.
class ServerTraceHeadersTest : public ::testing::Test {
 protected:
  ServerTraceHeadersTest() {
    EXPECT_TRUE(router
                    .add("GET", "/trace",
                         [](const HttpRequest& request, const PathParams&, Responder reply) {
                           reply(HttpResponse::json(200, {{"traceparent", request.trace.traceparent()},
                                                          {"tracestate", request.trace.tracestate},
                                                          {"parent", request.parent_span_id}}));
                         })
                    .ok());
  }

  // get: the server's trace for a request with these header lines.
  json get(const std::string& header_lines) {
    testing::ServerThread server(router, {});
    testing::RawClient client(server.port());
    client.send("GET /trace HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + header_lines + "\r\n");
    const std::string reply = client.read_until_closed();
    const std::size_t body = reply.find("\r\n\r\n");
    return body == std::string::npos ? json() : json::parse(reply.substr(body + 4), nullptr, false);
  }

  Router router;
};

TEST_F(ServerTraceHeadersTest, ContinuesOneTraceparentWhateverTheCaseOfItsName) {
  const json trace = get("TraceParent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\n");
  EXPECT_EQ(trace["traceparent"].get<std::string>().substr(0, 36), "00-4bf92f3577b34da6a3ce929d0e0e4736-");
  EXPECT_EQ(trace["parent"], "00f067aa0ba902b7");
}

TEST_F(ServerTraceHeadersTest, TwoTraceparentHeadersStartANewTrace) {
  const json trace =
      get("traceparent: 00-12345678901234567890123456789011-1234567890123456-01\r\n"
          "traceparent: 00-12345678901234567890123456789012-1234567890123456-01\r\n"
          "tracestate: foo=1\r\n");
  const std::string traceparent = trace["traceparent"];
  EXPECT_EQ(traceparent.find("1234567890123456789012345678901"), std::string::npos) << traceparent;
  EXPECT_EQ(trace["parent"], "");
  EXPECT_EQ(trace["tracestate"], "");  // it went with the traceparents
}

TEST_F(ServerTraceHeadersTest, TabsAndSpacesAroundTheValueAreNotPartOfIt) {
  const json trace = get("traceparent:\t 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01 \t\r\n");
  EXPECT_EQ(trace["parent"], "00f067aa0ba902b7");
}

TEST_F(ServerTraceHeadersTest, TracestateHeadersAreCombinedInOrderAndValidated) {
  const std::string traceparent = "traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\n";
  EXPECT_EQ(get(traceparent + "tracestate: foo=1,bar=2\r\nTRACESTATE: rojo=1\r\ntracestate: \r\n")["tracestate"],
            "foo=1,bar=2,rojo=1");
  EXPECT_EQ(get(traceparent + "tracestate: foo=1\r\ntracestate: FOO=2\r\n")["tracestate"], "");
  EXPECT_EQ(get(traceparent + "trace-state: foo=1\r\n")["tracestate"], "");
}

}  // namespace
}  // namespace sluice::native
