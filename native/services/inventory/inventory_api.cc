#include "native/services/inventory/inventory_api.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <deque>
#include <mutex>

#include "native/services/common/participant_http.h"

namespace sluice::native {
namespace {

using nlohmann::json;

Result<std::vector<StockItem>> read_items(const json& body) {
  if (!body.is_object() || !body.contains("items") || !body["items"].is_array() || body["items"].empty()) {
    return Status::invalid_argument("body must be {\"items\": [{\"productId\": ..., \"quantity\": ...}, ...]}",
                                    "InvalidRequest");
  }
  std::vector<StockItem> items;
  for (const json& item : body["items"]) {
    if (!item.is_object() || !item.contains("productId") || !item["productId"].is_string() ||
        !item.contains("quantity") || !item["quantity"].is_number_integer() ||
        item["quantity"].get<std::int64_t>() <= 0 || item["quantity"].get<std::int64_t>() > 1'000'000) {
      return Status::invalid_argument("each item needs a productId and a quantity from 1 to 1000000", "InvalidRequest");
    }
    items.push_back(
        {item["productId"].get<std::string>(), static_cast<std::int32_t>(item["quantity"].get<std::int64_t>())});
  }
  return items;
}

std::string rfc3339_now() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[64];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

// WatchReactor: one WatchStock call. Updates queue up and are written one at a time;
// the store's listener may fire on any thread.
class WatchReactor final : public grpc::ServerWriteReactor<inventory::StockUpdate> {
 public:
  // Reports the call's end to `report` (if any) under `trace`.
  using Report = std::function<void(grpc::StatusCode)>;

  WatchReactor(StockStore& store, std::string product_id, std::int32_t quantity, Report report)
      : store_(store), product_id_(std::move(product_id)), report_(std::move(report)) {
    enqueue(quantity);
    listener_ = store_.subscribe([this](const std::string& product, std::int32_t now) {
      if (product == product_id_) enqueue(now);
    });
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard<std::mutex> lock(mutex_);
    writing_ = false;
    if (!ok) return finish_locked(grpc::Status::CANCELLED);
    pending_.pop_front();
    write_locked();
  }

  void OnCancel() override {
    std::lock_guard<std::mutex> lock(mutex_);
    finish_locked(grpc::Status::CANCELLED);
  }

  void OnDone() override {
    store_.unsubscribe(listener_);
    if (report_) report_(final_code_);
    delete this;
  }

 private:
  void enqueue(std::int32_t quantity) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (finished_) return;
    inventory::StockUpdate update;
    update.set_product_id(product_id_);
    update.set_quantity(quantity);
    update.set_timestamp(rfc3339_now());
    pending_.push_back(std::move(update));
    write_locked();
  }

  void write_locked() {
    if (writing_ || finished_ || pending_.empty()) return;
    writing_ = true;
    StartWrite(&pending_.front());
  }

  void finish_locked(grpc::Status status) {
    if (finished_) return;
    finished_ = true;
    final_code_ = status.error_code();
    Finish(std::move(status));
  }

  StockStore& store_;
  std::string product_id_;
  Report report_;
  grpc::StatusCode final_code_ = grpc::StatusCode::OK;
  std::uint64_t listener_ = 0;
  std::mutex mutex_;
  std::deque<inventory::StockUpdate> pending_;  // front: being written
  bool writing_ = false;
  bool finished_ = false;
};

}  // namespace

Status add_inventory_routes(Router& router, StockStore& store) {
  Status s = router.add(
      "GET", "/api/inventory/:productId", [&store](const HttpRequest&, const PathParams& params, Responder reply) {
        Result<std::int32_t> quantity = store.quantity(params.at("productId"));
        if (!quantity.ok()) return reply(response_for(quantity.status()));
        reply(HttpResponse::json(200, {{"productId", params.at("productId")}, {"quantity", *quantity}}));
      });
  if (!s.ok()) return s;
  s = router.add(
      "GET", "/api/stock/:productId", [&store](const HttpRequest&, const PathParams& params, Responder reply) {
        Result<std::int32_t> quantity = store.quantity(params.at("productId"));
        if (!quantity.ok()) return reply(response_for(quantity.status()));
        reply(HttpResponse::json(
            200, {{"productId", params.at("productId")}, {"quantity", *quantity}, {"in_stock", *quantity > 0}}));
      });
  if (!s.ok()) return s;
  s = router.add(
      "POST", "/api/inventory/reserve", [&store](const HttpRequest& request, const PathParams&, Responder reply) {
        Result<saga::ParsedIdempotencyKey> key = saga_key(request, saga::Operation::kAction);
        if (!key.ok()) return reply(response_for(key.status()));
        Result<json> body = parse_json_body(request);
        if (!body.ok()) return reply(HttpResponse::error(400, "MalformedJson", body.status().message()));
        Result<std::vector<StockItem>> items = read_items(*body);
        if (!items.ok()) return reply(response_for(items.status()));
        Result<ReserveOutcome> outcome = store.reserve({key->saga_id, key->step}, *items);
        if (!outcome.ok()) return reply(response_for(outcome.status()));
        if (outcome->barrier == saga::BarrierOutcome::kHanging) {
          return reply(HttpResponse::error(409, "AlreadyCompensated", "this reservation was already released"));
        }
        reply(HttpResponse::json(200, {{"reservationId", outcome->reservation_id},
                                       {"outcome", saga::barrier_outcome_name(outcome->barrier)}}));
      });
  if (!s.ok()) return s;
  s = router.add("POST", "/api/inventory/release",
                 [&store](const HttpRequest& request, const PathParams&, Responder reply) {
                   Result<saga::ParsedIdempotencyKey> key = saga_key(request, saga::Operation::kCompensation);
                   if (!key.ok()) return reply(response_for(key.status()));
                   Result<ReserveOutcome> outcome = store.release({key->saga_id, key->step});
                   if (!outcome.ok()) return reply(response_for(outcome.status()));
                   reply(HttpResponse::json(200, {{"outcome", saga::barrier_outcome_name(outcome->barrier)}}));
                 });
  if (!s.ok()) return s;
  // Steps of sagas the order service already accepted: shedding them would fail or
  // stall an order that was promised (load is shed where orders come in).
  if (s = router.never_shed("/api/inventory/reserve"); !s.ok()) return s;
  return router.never_shed("/api/inventory/release");
}

grpc::ServerUnaryReactor* InventoryGrpcService::CheckStock(grpc::CallbackServerContext* context,
                                                           const inventory::StockRequest* request,
                                                           inventory::StockResponse* response) {
  const auto started = std::chrono::steady_clock::now();
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  resilience::AdaptiveLimiter::Permit permit;
  auto finish = [&](const grpc::Status& status) {
    if (permit) permit.release(limit_outcome_of_grpc_status(status.error_code()));
    if (observability_.report != nullptr && observability_.ids != nullptr) {
      observability_.report->on_finished("CheckStock", server_trace(*context, *observability_.ids), status.error_code(),
                                         started);
    }
    reactor->Finish(status);
  };
  if (observability_.limiter != nullptr) {
    permit = observability_.limiter->try_acquire();
    if (!permit) {
      // Refused before any work, and cheaply: counted, not logged or traced.
      if (observability_.report != nullptr) observability_.report->on_shed("CheckStock");
      reactor->Finish(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                   "the server is at its concurrency limit; retry later"));
      return reactor;
    }
  }
  Result<std::int32_t> quantity = store_.quantity(request->product_id());
  if (!quantity.ok()) {
    finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, quantity.status().message()));
    return reactor;
  }
  response->set_product_id(request->product_id());
  response->set_quantity(*quantity);
  response->set_in_stock(*quantity > 0);
  finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerWriteReactor<inventory::StockUpdate>* InventoryGrpcService::WatchStock(
    grpc::CallbackServerContext* context, const inventory::StockRequest* request) {
  WatchReactor::Report report;
  if (observability_.report != nullptr && observability_.ids != nullptr) {
    report = [report = observability_.report, trace = server_trace(*context, *observability_.ids),
              started = std::chrono::steady_clock::now()](grpc::StatusCode code) {
      report->on_finished("WatchStock", trace, code, started);
    };
  }
  Result<std::int32_t> quantity = store_.quantity(request->product_id());
  return new WatchReactor(store_, request->product_id(), quantity.ok() ? *quantity : 0, std::move(report));
}

}  // namespace sluice::native
