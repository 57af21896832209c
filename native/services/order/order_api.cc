#include "native/services/order/order_api.h"

#include <cmath>
#include <cstdio>

#include "core/saga/saga_record.h"
#include "native/services/common/participant_http.h"
#include "native/services/order/create_order_saga.h"

namespace sluice::native {
namespace {

using nlohmann::json;

struct OrderRequest {
  std::string user_id;
  json items;
  std::vector<std::string> products;
  std::int64_t total_cents = 0;
  std::string card;
};

Result<OrderRequest> read_order(const json& body) {
  const auto bad = [](std::string message) { return Status::invalid_argument(std::move(message), "InvalidRequest"); };
  if (!body.is_object()) return bad("the body must be a JSON object");
  if (!body.contains("userId") || !body["userId"].is_string() || body["userId"].get<std::string>().empty()) {
    return bad("userId must be a non-empty string");
  }
  if (!body.contains("items") || !body["items"].is_array() || body["items"].empty() || body["items"].size() > 100) {
    return bad("items must be an array of 1 to 100 {\"productId\", \"quantity\"}");
  }
  OrderRequest order{body["userId"].get<std::string>(), json::array(), {}, 0, ""};
  for (const json& item : body["items"]) {
    if (!item.is_object() || !item.contains("productId") || !item["productId"].is_string() ||
        item["productId"].get<std::string>().empty() || !item.contains("quantity") ||
        !item["quantity"].is_number_integer() || item["quantity"].get<std::int64_t>() < 1 ||
        item["quantity"].get<std::int64_t>() > 1'000'000) {
      return bad("each item needs a productId and a quantity from 1 to 1000000");
    }
    order.items.push_back({{"productId", item["productId"]}, {"quantity", item["quantity"]}});
    order.products.push_back(item["productId"].get<std::string>());
  }
  if (!body.contains("total") || !body["total"].is_number() || !std::isfinite(body["total"].get<double>()) ||
      body["total"].get<double>() <= 0 || body["total"].get<double>() > 1e9) {
    return bad("total must be a positive amount up to 1e9");
  }
  order.total_cents = std::llround(body["total"].get<double>() * 100);
  if (body.contains("card")) {
    if (!body["card"].is_string()) return bad("card must be a string");
    order.card = body["card"].get<std::string>();
  }
  return order;
}

std::string outcome_name(const saga::AttemptEntry& entry) {
  switch (entry.outcome) {
    case saga::AttemptOutcome::kRunning:
      return "running";
    case saga::AttemptOutcome::kSucceeded:
      return "succeeded";
    case saga::AttemptOutcome::kTimedOut:
      return "timed_out";
    case saga::AttemptOutcome::kFailed:
      break;
  }
  return "failed: " + entry.error_kind;
}

json order_json(const Order& order, const saga::SagaInstance* instance) {
  json out = {{"orderId", order.order_id},
              {"userId", order.user_id},
              {"items", order.items},
              {"total", static_cast<double>(order.total_cents) / 100},
              {"status", order.status}};
  if (!order.reason.empty()) out["reason"] = order.reason;
  if (instance != nullptr) {
    json timeline = json::array();
    for (const saga::AttemptEntry& entry : instance->timeline()) {
      timeline.push_back({{"step", instance->definition().steps[entry.step].name},
                          {"operation", saga::operation_name(entry.operation)},
                          {"attempt", entry.attempt},
                          {"outcome", outcome_name(entry)}});
    }
    out["saga"] = {{"state", saga::saga_state_name(instance->state())}, {"timeline", timeline}};
  }
  return out;
}

std::string new_order_id(time::Prng& ids) {
  char text[32];
  std::snprintf(text, sizeof(text), "ord_%016llx", static_cast<unsigned long long>(ids.next_u64()));
  return text;
}

}  // namespace

Status add_order_routes(Router& router, OrderApiDeps deps) {
  Status s = router.add("POST", "/api/orders", [deps](const HttpRequest& request, const PathParams&, Responder reply) {
    Result<json> body = parse_json_body(request);
    if (!body.ok()) return reply(HttpResponse::error(400, "MalformedJson", body.status().message()));
    Result<OrderRequest> order = read_order(*body);
    if (!order.ok()) return reply(response_for(order.status()));
    const observe::TraceContext& trace = request.trace;  // the order's; its saga and events carry it
    deps.stock->check(order->products, request.trace, [deps, order = *order, trace, reply](StockVerdict verdict) {
      if (!verdict.in_stock) {
        return reply(HttpResponse::error(409, "out_of_stock", verdict.short_product + " is out of stock"));
      }
      Order stored{new_order_id(*deps.ids),
                   order.user_id,
                   order.items,
                   order.total_cents,
                   order.card,
                   "PENDING",
                   "",
                   trace.traceparent()};
      stored.tracestate = trace.tracestate;
      if (Status s = deps.store->create(stored); !s.ok()) return reply(response_for(s));
      deps.on_order_changed();
      if (Status s = deps.runner == nullptr
                         ? Status()
                         : deps.runner->start(kCreateOrderSaga, stored.order_id, create_order_saga_data(stored));
          !s.ok()) {
        return reply(response_for(s));
      }
      json out = order_json(stored, nullptr);
      out["stockCheck"] = verdict.fallback ? "fallback" : "inventory";
      HttpResponse response = HttpResponse::json(201, out);
      response.headers.emplace_back("Location", "/api/orders/" + stored.order_id);
      if (!deps.after_commit) return reply(std::move(response));
      deps.after_commit([reply, response = std::move(response)]() mutable { reply(std::move(response)); });
    });
  });
  if (!s.ok()) return s;
  // The article's checkStock(productId), through the breaker: inventory's answer, or
  // {productId, quantity: null, in_stock: true, source: "fallback"} when it is down.
  s = router.add("GET", "/api/stock/:productId",
                 [deps](const HttpRequest& request, const PathParams& params, Responder reply) {
                   deps.stock->check_one(params.at("productId"), request.trace,
                                         [reply](inventory::StockResponse response, bool from_fallback) {
                                           json out = {{"productId", response.product_id()},
                                                       {"in_stock", response.in_stock()},
                                                       {"source", from_fallback ? "fallback" : "inventory"}};
                                           out["quantity"] = from_fallback ? json(nullptr) : json(response.quantity());
                                           reply(HttpResponse::json(200, out));
                                         });
                 });
  if (!s.ok()) return s;
  s = router.add("GET", "/api/orders", [deps](const HttpRequest&, const PathParams&, Responder reply) {
    Result<std::map<std::string, std::int64_t>> counts = deps.store->counts();
    if (!counts.ok()) return reply(response_for(counts.status()));
    reply(HttpResponse::json(200, {{"orders", *counts}}));
  });
  if (!s.ok()) return s;
  return router.add(
      "GET", "/api/orders/:orderId", [deps](const HttpRequest&, const PathParams& params, Responder reply) {
        Result<std::optional<Order>> order = deps.store->find(params.at("orderId"));
        if (!order.ok()) return reply(response_for(order.status()));
        if (!*order) {
          return reply(HttpResponse::error(404, "NotFound", "no order " + params.at("orderId")));
        }
        reply(HttpResponse::json(
            200, order_json(**order, deps.runner != nullptr ? deps.runner->find(params.at("orderId")) : nullptr)));
      });
}

}  // namespace sluice::native
