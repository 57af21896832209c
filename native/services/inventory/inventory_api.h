// inventory_api.h: the inventory service's two faces over one StockStore.
//
// REST (add_inventory_routes), as the article's clients call it:
//   GET  /api/inventory/:productId  {"productId", "quantity"}  (0 for an unknown product)
//   GET  /api/stock/:productId      {"productId", "quantity", "in_stock"}
//   POST /api/inventory/reserve     {"items": [{"productId", "quantity"}]}  -> {"reservationId"}
//   POST /api/inventory/release     {}
//   The last two need an Idempotency-Key header as the saga runner makes them
//   ("<saga id>:<step>:action|compensation"); a repeat does nothing twice. They are
//   never shed under load (steps of sagas already accepted).
//
// gRPC (InventoryGrpcService), the article's inventory.InventoryService:
//   CheckStock  unary
//   WatchStock  the current quantity, then an update per change, until the client
//               cancels (or the server shuts down).
//   With a limiter, CheckStock beyond it is answered RESOURCE_EXHAUSTED at once;
//   WatchStock (a subscription, not a request that queues) is never shed.
#ifndef SLUICE_NATIVE_SERVICES_INVENTORY_INVENTORY_API_H_
#define SLUICE_NATIVE_SERVICES_INVENTORY_INVENTORY_API_H_

#include "native/proto/inventory.grpc.pb.h"
#include "native/runtime/grpc_support.h"
#include "native/runtime/router.h"
#include "native/services/inventory/stock_store.h"

namespace sluice::native {

Status add_inventory_routes(Router& router, StockStore& store);

// GrpcServiceObservability: optional; when given, every RPC continues the caller's
// trace and is logged, traced and counted.
struct GrpcServiceObservability {
  GrpcObservability* report = nullptr;
  TraceIds* ids = nullptr;
  // limiter: load shedding for CheckStock; null serves everything. Thread-safe; no
  // event sink that must stay on one thread.
  resilience::AdaptiveLimiter* limiter = nullptr;
};

class InventoryGrpcService final : public inventory::InventoryService::CallbackService {
 public:
  using Observability = GrpcServiceObservability;
  explicit InventoryGrpcService(StockStore& store, Observability observability = {})
      : store_(store), observability_(observability) {}

  grpc::ServerUnaryReactor* CheckStock(grpc::CallbackServerContext* context, const inventory::StockRequest* request,
                                       inventory::StockResponse* response) override;
  grpc::ServerWriteReactor<inventory::StockUpdate>* WatchStock(grpc::CallbackServerContext* context,
                                                               const inventory::StockRequest* request) override;

 private:
  StockStore& store_;
  Observability observability_;
};

}  // namespace sluice::native

#endif  // SLUICE_NATIVE_SERVICES_INVENTORY_INVENTORY_API_H_
