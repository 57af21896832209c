// One trace across a REST -> gRPC hop: a REST handler calls the inventory's CheckStock
// through a breaker with the request's trace; the gRPC server's log line and span carry
// the same trace id, with the caller's client span as parent. When inventory is down,
// the breaker's fallback answers as the article's does.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <sstream>

#include "core/time/manual_clock.h"
#include "native/runtime/grpc_support.h"
#include "native/services/inventory/inventory_api.h"
#include "tests/native/runtime/http_test_client.h"

namespace sluice::native {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

class TraceHopTest : public ::testing::Test {
 protected:
  TraceHopTest()
      : store(*StockStore::open(":memory:")),
        log("inventory", spdlog::level::info, std::make_shared<spdlog::sinks::ostream_sink_mt>(grpc_log)),
        report("inventory.InventoryService", metrics, log),
        ids(7),
        service(*store, {.report = &report, .ids = &ids}),
        breaker("inventory", resilience::CircuitBreakerConfig::like_article(1, 30s), clock) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&service);
    grpc_server = builder.BuildAndStart();
    stub = inventory::InventoryService::NewStub(
        grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
    // GET /check/:productId asks inventory over gRPC, falling back as the article does.
    EXPECT_TRUE(router
                    .add("GET", "/check/:productId",
                         [this](const HttpRequest& request, const PathParams& params, Responder reply) {
                           client_span = ids.child_of(request.trace);
                           const std::string product = params.at("productId");
                           guarded_unary<inventory::StockResponse>(
                               *io, breaker, 500ms, client_span,
                               [this, product](grpc::ClientContext* context, inventory::StockResponse* response,
                                               std::function<void(grpc::Status)> done) {
                                 auto request = std::make_shared<inventory::StockRequest>();
                                 request->set_product_id(product);
                                 stub->async()->CheckStock(context, request.get(), response,
                                                           [request, done](grpc::Status s) { done(s); });
                               },
                               [product] {
                                 inventory::StockResponse fallback;
                                 fallback.set_product_id(product);
                                 fallback.set_in_stock(true);
                                 return fallback;
                               },
                               [reply](grpc::Status, inventory::StockResponse r, bool from_fallback) {
                                 reply(HttpResponse::json(200, {{"in_stock", r.in_stock()},
                                                                {"quantity", r.quantity()},
                                                                {"source", from_fallback ? "fallback" : "inventory"}}));
                               });
                         })
                    .ok());
  }
  ~TraceHopTest() override {
    if (grpc_server) grpc_server->Shutdown(std::chrono::system_clock::now());
  }

  std::string get(testing::ServerThread& http, const std::string& path, const std::string& traceparent,
                  const std::string& tracestate = "") {
    testing::RawClient client(http.port());
    client.send("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\ntraceparent: " + traceparent + "\r\n" +
                (tracestate.empty() ? "" : "tracestate: " + tracestate + "\r\n") + "\r\n");
    return client.read_until_closed();
  }

  // spans: the gRPC server's span log lines.
  std::vector<json> spans() const {
    std::vector<json> out;
    std::istringstream lines(grpc_log.str());
    for (std::string line; std::getline(lines, line);) {
      json entry = json::parse(line);
      if (entry["action"] == "span") out.push_back(std::move(entry));
    }
    return out;
  }

  std::unique_ptr<StockStore> store;
  std::ostringstream grpc_log;
  Metrics metrics;
  JsonLog log;
  GrpcObservability report;
  TraceIds ids;
  InventoryGrpcService service;
  time::ManualClock clock;
  resilience::CircuitBreaker breaker;
  int port = 0;
  std::unique_ptr<grpc::Server> grpc_server;
  std::unique_ptr<inventory::InventoryService::Stub> stub;
  Router router;
  asio::io_context* io = nullptr;
  observe::TraceContext client_span;
};

TEST_F(TraceHopTest, TheGrpcServerContinuesTheRestCallersTrace) {
  testing::ServerThread http(router, {});
  io = &http.io();
  const std::string reply = get(http, "/check/SKU-123", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                                "rojo=00f067aa0ba902b7, congo=t61rcWkgMzE");
  EXPECT_NE(reply.find(R"("quantity":42,"source":"inventory")"), std::string::npos) << reply;
  const std::vector<json> grpc_spans = spans();
  ASSERT_EQ(grpc_spans.size(), 1u) << grpc_log.str();
  const json& entry = grpc_spans[0];
  EXPECT_EQ(entry["traceId"], "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(entry["span"]["name"], "inventory.InventoryService/CheckStock");
  EXPECT_EQ(entry["span"]["parentSpanId"], client_span.span_id_hex());
  // The tracestate went along in the metadata.
  EXPECT_EQ(entry["span"]["traceState"], "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
  EXPECT_NE(
      metrics.exposition().find(
          R"(grpc_server_handled_total{grpc_code="OK",grpc_method="CheckStock",grpc_service="inventory.InventoryService"} 1)"),
      std::string::npos);
}

TEST_F(TraceHopTest, WhenInventoryIsDownTheBreakerOpensAndTheFallbackAnswers) {
  grpc_server->Shutdown(std::chrono::system_clock::now());
  grpc_server.reset();
  testing::ServerThread http(router, {});
  io = &http.io();
  const std::string first = get(http, "/check/SKU-1", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  EXPECT_NE(first.find(R"("in_stock":true,"quantity":0,"source":"fallback")"), std::string::npos) << first;
  EXPECT_EQ(breaker.state(), resilience::BreakerState::kOpen);  // one failure trips this breaker
  const std::string second = get(http, "/check/SKU-1", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  EXPECT_NE(second.find(R"("source":"fallback")"), std::string::npos);
  EXPECT_EQ(breaker.stats().calls_rejected, 1u);  // the second never reached the network
}

// gRPC metadata, like HTTP headers, may carry a key twice: two traceparents start a
// new trace, and the tracestate values are combined.
TEST_F(TraceHopTest, MetadataFollowsTheHttpRulesForRepeatedValues) {
  auto check_stock = [this](const std::vector<std::pair<std::string, std::string>>& metadata) {
    grpc::ClientContext context;
    for (const auto& [key, value] : metadata) context.AddMetadata(key, value);
    inventory::StockRequest request;
    request.set_product_id("SKU-123");
    inventory::StockResponse response;
    return stub->CheckStock(&context, request, &response).ok();
  };
  ASSERT_TRUE(check_stock({{"traceparent", "00-12345678901234567890123456789011-1234567890123456-01"},
                           {"traceparent", "00-12345678901234567890123456789012-1234567890123456-01"},
                           {"tracestate", "foo=1"}}));
  ASSERT_TRUE(check_stock({{"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
                           {"tracestate", "foo=1"},
                           {"tracestate", "bar=2"}}));
  const std::vector<json> grpc_spans = spans();
  ASSERT_EQ(grpc_spans.size(), 2u) << grpc_log.str();
  EXPECT_EQ(grpc_spans[0]["traceId"].get<std::string>().find("1234567890123456789012345678901"), std::string::npos);
  EXPECT_FALSE(grpc_spans[0]["span"].contains("parentSpanId"));
  EXPECT_FALSE(grpc_spans[0]["span"].contains("traceState"));
  EXPECT_EQ(grpc_spans[1]["traceId"], "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(grpc_spans[1]["span"]["parentSpanId"], "00f067aa0ba902b7");
  EXPECT_EQ(grpc_spans[1]["span"]["traceState"], "foo=1,bar=2");
}

}  // namespace
}  // namespace sluice::native
