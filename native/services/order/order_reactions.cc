#include "native/services/order/order_reactions.h"

namespace sluice::native {

void OrderReactions::handle(const ConsumedEvent& consumed, std::function<void(bool)> done) {
  const services::OrderEvent& event = consumed.event;
  const std::string& type = event.event_type;
  const std::string& order = event.order_id;
  Result<bool> changed = false;
  if (type == "StockReserved") {
    changed = store_.confirm(order);
  } else if (type == "PaymentFailed" || type == "PaymentRefunded") {
    changed = store_.cancel(order, type + ": " + event.reason);
  } else {
    return done(true);
  }
  const observe::TraceContext* trace = consumed.trace ? &*consumed.trace : nullptr;
  if (!changed.ok()) {
    log_.log(spdlog::level::err, "order.update_failed", trace, std::nullopt,
             {{"orderId", order}, {"event", type}, {"error", changed.status().message()}});
    return done(changed.status().code() == StatusCode::kNotFound);  // an unknown order will not appear later
  }
  log_.log(spdlog::level::info, "choreography.applied", trace, std::nullopt,
           {{"orderId", order}, {"event", type}, {"changed", *changed}});
  if (*changed) on_order_changed_();
  done(true);
}

}  // namespace sluice::native
