#include "native/services/order/create_order_saga.h"

#include <algorithm>
#include <chrono>

#include "core/observe/trace_context.h"

namespace sluice::native {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

saga::StepRetryPolicy retry_unless(std::vector<std::string> non_retryable) {
  return {.max_attempts = 3,
          .initial_backoff = 200ms,
          .multiplier = 2.0,
          .max_backoff = 2s,
          .non_retryable_errors = std::move(non_retryable)};
}

// compensating: how a compensation is retried. For longer than the participant's
// breaker stays open (every attempt meanwhile is refused unsent, yet counts), so that a
// participant that was only restarting (kill -9, then back within a second) gets its
// compensation instead of leaving the saga, and its order, for attention.
saga::StepRetryPolicy compensating(time::Duration breaker_reset) {
  return {.max_attempts = 20,
          .initial_backoff = 200ms,
          .multiplier = 2.0,
          .max_backoff = std::max<time::Duration>(2s, breaker_reset)};
}

// error_of: a participant's {"error": {"code": ...}} code, or `fallback`.
std::string error_of(const std::string& body, std::string fallback) {
  const json parsed = json::parse(body, nullptr, false);
  if (parsed.is_object() && parsed.contains("error") && parsed["error"].is_object() &&
      parsed["error"].value("code", "").size() > 0) {
    return parsed["error"]["code"].get<std::string>();
  }
  return fallback;
}

// text_of: `data`'s string at `key`, or empty.
std::string text_of(const json& data, const char* key) {
  const auto it = data.find(key);
  return it != data.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

saga::SagaDefinition create_order_saga(time::Duration breaker_reset) {
  saga::SagaDefinition definition{.name = std::string(kCreateOrderSaga)};
  definition.steps.push_back({.name = "reserve_stock",
                              .action = "reserveStock",
                              .compensation = "releaseStock",
                              .retry = retry_unless({"out_of_stock", "AlreadyCompensated"}),
                              .compensation_retry = compensating(breaker_reset),
                              .timeout = 2s});
  definition.steps.push_back({.name = "charge_payment",
                              .action = "chargePayment",
                              .compensation = "refundPayment",
                              .retry = retry_unless({"card_declined", "AlreadyCompensated"}),
                              .compensation_retry = compensating(breaker_reset),
                              .timeout = 2s});
  definition.steps.push_back({.name = "confirm_order",
                              .action = "confirmOrder",
                              .kind = saga::StepKind::kPivot,
                              .retry = retry_unless({}),
                              .timeout = 2s});
  return definition;
}

json create_order_saga_data(const Order& order) {
  return {{"orderId", order.order_id},
          {"userId", order.user_id},
          {"items", order.items},
          {"total", static_cast<double>(order.total_cents) / 100},
          {"card", order.card},
          {"traceparent", order.traceparent},
          {"tracestate", order.tracestate}};
}

OrderSagaDriver::OrderSagaDriver(OrderStore& store, Participant inventory, Participant payment, JsonLog& log,
                                 std::function<void()> on_order_changed, std::uint64_t span_seed)
    : store_(store),
      inventory_(inventory),
      payment_(payment),
      log_(log),
      on_order_changed_(std::move(on_order_changed)),
      span_ids_(span_seed) {}

void OrderSagaDriver::handle(const saga::SagaCommand& command) {
  const json& data = *command.input;
  const std::string_view target = command.target;
  if (target == "reserveStock") {
    return call(inventory_, command, "/api/inventory/reserve", {{"items", data.at("items")}});
  }
  if (target == "releaseStock") return call(inventory_, command, "/api/inventory/release", json::object());
  if (target == "chargePayment") {
    return call(payment_, command, "/api/payments/charge",
                {{"userId", data.at("userId")}, {"total", data.at("total")}, {"card", data.value("card", "")}});
  }
  if (target == "refundPayment") return call(payment_, command, "/api/payments/refund", json::object());
  if (target == "confirmOrder") {
    Result<bool> confirmed = store_.confirm(std::string(command.saga_id));
    if (!confirmed.ok()) {
      return answer(saga::StepResult::failure(command, "store_failed", confirmed.status().message()));
    }
    if (*confirmed) on_order_changed_();
    return answer(saga::StepResult::success(command, {{"status", "CONFIRMED"}}));
  }
  answer(saga::StepResult::failure(command, "unknown_target", "no participant for " + std::string(target), false));
}

void OrderSagaDriver::call(const Participant& participant, const saga::SagaCommand& command, std::string path,
                           json body) {
  HttpRequest request;
  request.method = "POST";
  request.path = path;
  request.target = std::move(path);
  request.headers = {{"content-type", "application/json"}, {"idempotency-key", std::string(command.idempotency_key)}};
  request.body = body.dump();
  // The order's trace: every participant call is a span in the request that placed it.
  // Sagas started before tracestate was kept have none.
  const Result<observe::TraceContext> order_trace = observe::read_trace_context(
      observe::TraceHeaders::one(text_of(*command.input, "traceparent"), text_of(*command.input, "tracestate")));
  if (order_trace.ok()) request.trace = observe::child_of(*order_trace, span_ids_);
  // The command's views live only during handle(): keep what the answer needs.
  saga::StepResult template_result = saga::StepResult::success(command);
  participant.client->call(
      *participant.pipeline, std::move(request),
      [this, template_result](Result<HttpClientResponse> response, const resilience::CallResult& verdict) {
        saga::StepResult result = template_result;
        if (!response.ok() || verdict.reason == "breaker_open") {
          result.ok = false;
          result.error_kind = verdict.reason.empty() ? "unavailable" : verdict.reason;
          result.error_message = response.ok() ? "the breaker is open" : response.status().message();
          result.not_applied = verdict.not_sent;
          return answer(std::move(result));
        }
        if (response->status == 200) {
          result.output = json::parse(response->body, nullptr, false);
          if (!result.output.is_object()) result.output = nullptr;
          result.output.erase("outcome");  // the barrier's outcome is the participant's business
          return answer(std::move(result));
        }
        result.ok = false;
        result.error_kind = error_of(response->body, "http_" + std::to_string(response->status));
        result.error_message = response->body;
        // A 4xx is the participant's verdict: asking again would get the same one.
        result.retryable = response->status >= 500;
        answer(std::move(result));
      });
}

void OrderSagaDriver::answer(saga::StepResult result) {
  if (runner_ == nullptr) return;
  if (Status s = runner_->on_result(std::move(result)); !s.ok() && s.code() != StatusCode::kFailedPrecondition) {
    log_.log(spdlog::level::err, "saga.result_failed", nullptr, std::nullopt, {{"error", s.message()}});
  }
}

void OrderSagaDriver::on_event(const observe::Event& event) {
  if (event.what != "saga.state_changed") return;
  const auto* state = event.attribute("state");
  const auto* reason = event.attribute("reason");
  if (state == nullptr || !std::holds_alternative<std::string_view>(*state)) return;
  const std::string_view name = std::get<std::string_view>(*state);
  const std::string why = reason != nullptr && std::holds_alternative<std::string_view>(*reason)
                              ? std::string(std::get<std::string_view>(*reason))
                              : std::string();
  log_.log(name == "FAILED_NEEDS_ATTENTION" ? spdlog::level::err : spdlog::level::info, "saga.state_changed", nullptr,
           std::nullopt, {{"orderId", std::string(event.where)}, {"state", std::string(name)}, {"reason", why}});
  if (name != "COMPENSATED") return;
  Result<bool> cancelled = store_.cancel(std::string(event.where), why);
  if (!cancelled.ok()) {
    log_.log(spdlog::level::err, "order.cancel_failed", nullptr, std::nullopt,
             {{"error", cancelled.status().message()}});
  } else if (*cancelled) {
    on_order_changed_();
  }
}

}  // namespace sluice::native
