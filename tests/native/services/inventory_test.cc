#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <thread>

#include "core/resilience/adaptive_limiter.h"
#include "core/time/manual_clock.h"
#include "native/services/inventory/inventory_api.h"
#include "native/services/inventory/stock_store.h"
#include "tests/native/runtime/http_test_client.h"

namespace sluice::native {
namespace {

std::unique_ptr<StockStore> memory_store() {
  Result<std::unique_ptr<StockStore>> store = StockStore::open(":memory:");
  EXPECT_TRUE(store.ok()) << store.status().message();
  return *std::move(store);
}

TEST(StockStoreTest, SeedsTheArticlesProductAndAnswersZeroForUnknownOnes) {
  auto store = memory_store();
  EXPECT_EQ(*store->quantity("SKU-123"), 42);
  EXPECT_EQ(*store->quantity("NO-SUCH"), 0);
}

TEST(StockStoreTest, ReservesAllOrNothingOnceAndReleasesOnce) {
  auto store = memory_store();
  const saga::BarrierKey key{"order-1", "reserve_stock"};
  Result<ReserveOutcome> short_of = store->reserve(key, {{"SKU-123", 2}, {"SKU-789", 1}});
  EXPECT_EQ(short_of.status().reason(), "out_of_stock");
  EXPECT_EQ(*store->quantity("SKU-123"), 42);  // nothing taken
  Result<ReserveOutcome> taken = store->reserve(key, {{"SKU-123", 2}, {"SKU-456", 1}});
  ASSERT_TRUE(taken.ok()) << taken.status().message();
  EXPECT_EQ(taken->barrier, saga::BarrierOutcome::kExecuted);
  EXPECT_EQ(taken->reservation_id, "order-1:reserve_stock");
  Result<ReserveOutcome> again = store->reserve(key, {{"SKU-123", 2}, {"SKU-456", 1}});
  EXPECT_EQ(again->barrier, saga::BarrierOutcome::kDuplicate);
  EXPECT_EQ(again->reservation_id, "order-1:reserve_stock");
  EXPECT_EQ(*store->quantity("SKU-123"), 40);
  EXPECT_EQ(store->release(key)->barrier, saga::BarrierOutcome::kExecuted);
  EXPECT_EQ(store->release(key)->barrier, saga::BarrierOutcome::kDuplicate);
  EXPECT_EQ(*store->quantity("SKU-123"), 42);
  EXPECT_EQ(*store->quantity("SKU-456"), 7);
}

TEST(StockStoreTest, AReleaseBeforeItsReservationBlocksIt) {
  auto store = memory_store();
  const saga::BarrierKey key{"order-2", "reserve_stock"};
  EXPECT_EQ(store->release(key)->barrier, saga::BarrierOutcome::kNullCompensation);
  EXPECT_EQ(store->reserve(key, {{"SKU-123", 1}})->barrier, saga::BarrierOutcome::kHanging);
  EXPECT_EQ(*store->quantity("SKU-123"), 42);
}

class InventoryRestTest : public ::testing::Test {
 protected:
  InventoryRestTest() : store(memory_store()) { EXPECT_TRUE(add_inventory_routes(router, *store).ok()); }

  std::string call(const std::string& request) {
    testing::ServerThread server(router, {});
    testing::RawClient client(server.port());
    client.send(request);
    return client.read_until_closed();
  }

  std::unique_ptr<StockStore> store;
  Router router;
};

TEST_F(InventoryRestTest, AnswersTheArticlesRoutes) {
  const std::string replies = call(
      "GET /api/inventory/SKU-123 HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /api/inventory/NOPE HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /api/stock/SKU-789 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(replies.find(R"({"productId":"SKU-123","quantity":42})"), std::string::npos);
  EXPECT_NE(replies.find(R"({"productId":"NOPE","quantity":0})"), std::string::npos);
  EXPECT_NE(replies.find(R"({"in_stock":false,"productId":"SKU-789","quantity":0})"), std::string::npos);
}

TEST_F(InventoryRestTest, ReservesAndReleasesIdempotentlyByKey) {
  const std::string body = R"({"items":[{"productId":"SKU-123","quantity":3}]})";
  const std::string reserve =
      "POST /api/inventory/reserve HTTP/1.1\r\nHost: x\r\nIdempotency-Key: o-9:reserve_stock:action\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  const std::string replies =
      call(reserve + reserve +
           "POST /api/inventory/release HTTP/1.1\r\nHost: x\r\nIdempotency-Key: o-9:reserve_stock:compensation\r\n"
           "Content-Length: 0\r\nConnection: close\r\n\r\n");
  EXPECT_NE(replies.find(R"("outcome":"executed","reservationId":"o-9:reserve_stock")"), std::string::npos);
  EXPECT_NE(replies.find(R"("outcome":"duplicate","reservationId":"o-9:reserve_stock")"), std::string::npos);
  EXPECT_NE(replies.find(R"({"outcome":"executed"})"), std::string::npos);
  EXPECT_EQ(*store->quantity("SKU-123"), 42);
}

TEST_F(InventoryRestTest, BadRequestsGetClearErrors) {
  auto post = [](const std::string& key, const std::string& body, bool last = false) {
    return "POST /api/inventory/reserve HTTP/1.1\r\nHost: x\r\n" +
           (key.empty() ? std::string() : "Idempotency-Key: " + key + "\r\n") + (last ? "Connection: close\r\n" : "") +
           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  };
  const std::string replies = call(post("", "{}") + post("o:s:action", "{x}") + post("o:s:action", R"({"items":1})") +
                                   post("o:s:compensation", "{}") +
                                   post("o:s:action", R"({"items":[{"productId":"SKU-789","quantity":1}]})", true));
  EXPECT_NE(replies.find("MissingIdempotencyKey"), std::string::npos);
  EXPECT_NE(replies.find("MalformedJson"), std::string::npos);
  EXPECT_NE(replies.find("\"code\":\"InvalidRequest\""), std::string::npos);
  EXPECT_NE(replies.find("wrong operation"), std::string::npos);
  EXPECT_NE(replies.find("HTTP/1.1 409 Conflict"), std::string::npos);
  EXPECT_NE(replies.find("out_of_stock"), std::string::npos);
}

class InventoryGrpcTest : public ::testing::Test {
 protected:
  InventoryGrpcTest() : store(memory_store()), service(*store) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&service);
    server = builder.BuildAndStart();
    stub = inventory::InventoryService::NewStub(
        grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
  }
  ~InventoryGrpcTest() override { server->Shutdown(std::chrono::system_clock::now()); }

  std::unique_ptr<StockStore> store;
  InventoryGrpcService service;
  int port = 0;
  std::unique_ptr<grpc::Server> server;
  std::unique_ptr<inventory::InventoryService::Stub> stub;
};

TEST_F(InventoryGrpcTest, CheckStockAnswersAsTheArticleDefines) {
  grpc::ClientContext context;
  inventory::StockRequest request;
  request.set_product_id("SKU-123");
  inventory::StockResponse response;
  ASSERT_TRUE(stub->CheckStock(&context, request, &response).ok());
  EXPECT_EQ(response.product_id(), "SKU-123");
  EXPECT_EQ(response.quantity(), 42);
  EXPECT_TRUE(response.in_stock());
  grpc::ClientContext unknown_context;
  request.set_product_id("NOPE");
  ASSERT_TRUE(stub->CheckStock(&unknown_context, request, &response).ok());
  EXPECT_EQ(response.quantity(), 0);
  EXPECT_FALSE(response.in_stock());
}

TEST(InventoryGrpcSheddingTest, CheckStockBeyondTheLimitIsResourceExhaustedAndServedUnderIt) {
  time::ManualClock clock;  // never moves: the limit is pinned at 1 anyway
  resilience::AdaptiveLimiterConfig config;
  config.min_limit = config.max_limit = config.initial_limit = 1;
  resilience::AdaptiveLimiter limiter("inventory-grpc", config, clock, 1);
  std::unique_ptr<StockStore> store = memory_store();
  InventoryGrpcService service(*store, {.limiter = &limiter});
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  auto stub = inventory::InventoryService::NewStub(
      grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
  const auto check = [&stub] {
    grpc::ClientContext context;
    inventory::StockRequest request;
    request.set_product_id("SKU-123");
    inventory::StockResponse response;
    return stub->CheckStock(&context, request, &response);
  };

  EXPECT_TRUE(check().ok());  // under the limit
  resilience::AdaptiveLimiter::Permit busy = limiter.try_acquire();  // another call holds the one slot
  ASSERT_TRUE(busy);
  const grpc::Status refused = check();
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(refused.error_message(), "the server is at its concurrency limit; retry later");
  busy.release(resilience::LimitOutcome::kIgnored);
  EXPECT_TRUE(check().ok());
  const resilience::AdaptiveLimiterStats stats = limiter.stats();
  EXPECT_EQ(stats.rejected, 1u);
  EXPECT_EQ(stats.succeeded, 2u);
  EXPECT_EQ(stats.in_flight, 0u);
  server->Shutdown(std::chrono::system_clock::now());
}

TEST_F(InventoryGrpcTest, WatchStockStreamsChangesUntilTheClientCancels) {
  grpc::ClientContext context;
  inventory::StockRequest request;
  request.set_product_id("SKU-456");
  std::unique_ptr<grpc::ClientReader<inventory::StockUpdate>> reader = stub->WatchStock(&context, request);
  inventory::StockUpdate update;
  ASSERT_TRUE(reader->Read(&update));
  EXPECT_EQ(update.quantity(), 7);
  EXPECT_EQ(update.timestamp().size(), 20u);  // 2026-11-24T06:40:01Z
  ASSERT_TRUE(store->reserve({"o-1", "reserve_stock"}, {{"SKU-456", 2}}).ok());
  ASSERT_TRUE(store->reserve({"o-2", "reserve_stock"}, {{"SKU-123", 1}}).ok());  // another product: no update
  ASSERT_TRUE(store->release({"o-1", "reserve_stock"}).ok());
  ASSERT_TRUE(reader->Read(&update));
  EXPECT_EQ(update.quantity(), 5);
  ASSERT_TRUE(reader->Read(&update));
  EXPECT_EQ(update.quantity(), 7);
  context.TryCancel();
  while (reader->Read(&update)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

}  // namespace
}  // namespace sluice::native
