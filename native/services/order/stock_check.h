// stock_check.h: StockCheck, the order service's question to inventory before it takes
// an order: CheckStock over gRPC for each item, through a circuit breaker with the
// article's fallback ({in_stock: true, source: "fallback"}) when inventory is down, so
// orders are still taken (the saga's reservation has the last word).
#ifndef SLUICE_NATIVE_SERVICES_ORDER_STOCK_CHECK_H_
#define SLUICE_NATIVE_SERVICES_ORDER_STOCK_CHECK_H_

#include <asio.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/resilience/circuit_breaker.h"
#include "native/proto/inventory.grpc.pb.h"
#include "native/runtime/grpc_support.h"

namespace sluice::native {

struct StockVerdict {
  bool in_stock = true;
  std::string short_product;  // the first product inventory says is out of stock
  bool fallback = false;      // some answer came from the fallback
};

class StockCheck {
 public:
  // REQUIRES: io, stub, breaker and ids outlive the checks in flight.
  StockCheck(asio::io_context& io, inventory::InventoryService::Stub& stub, resilience::CircuitBreaker& breaker,
             TraceIds& ids, std::chrono::milliseconds deadline = std::chrono::milliseconds(300))
      : io_(io), stub_(stub), breaker_(breaker), ids_(ids), deadline_(deadline) {}

  // check_one: the article's checkStock(productId): inventory's answer, or the
  // fallback's (from_fallback); `done` runs on the loop.
  void check_one(const std::string& product, const observe::TraceContext& trace,
                 std::function<void(inventory::StockResponse, bool from_fallback)> done);
  // check: every product at once; `done` runs on the loop with the verdict.
  void check(const std::vector<std::string>& products, const observe::TraceContext& trace,
             std::function<void(StockVerdict)> done);

 private:
  asio::io_context& io_;
  inventory::InventoryService::Stub& stub_;
  resilience::CircuitBreaker& breaker_;
  TraceIds& ids_;
  std::chrono::milliseconds deadline_;
};

}  // namespace sluice::native

#endif  // SLUICE_NATIVE_SERVICES_ORDER_STOCK_CHECK_H_
