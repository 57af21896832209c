#include "native/services/payment/payment_reactions.h"

#include <cmath>

#include "native/services/common/choreography_events.h"

namespace sluice::native {

using nlohmann::json;

void PaymentReactions::handle(const ConsumedEvent& consumed, std::function<void(bool)> done) {
  const services::OrderEvent& event = consumed.event;
  const std::string& type = event.event_type;
  const saga::BarrierKey key{event.order_id, "charge_payment"};
  if (type == "OrderCreated") {
    const double total = event.total.value_or(0);
    Result<PaymentOutcome> charged = store_.charge(key, {event.user_id, std::llround(total * 100), event.card});
    if (!charged.ok() && charged.status().reason() == "card_declined") {
      return publish(consumed, follow_up(event, "PaymentFailed", {{"reason", charged.status().message()}}), done);
    }
    if (!charged.ok()) {
      if (charged.status().code() == StatusCode::kInvalidArgument) {
        return publish(consumed, follow_up(event, "PaymentFailed", {{"reason", charged.status().message()}}), done);
      }
      return done(false);  // the ledger is unavailable: redelivered later
    }
    if (charged->barrier == saga::BarrierOutcome::kHanging) return done(true);  // refunded already
    return publish(consumed, follow_up(event, "PaymentCharged", {{"paymentId", charged->payment_id}}), done);
  }
  if (type == "StockFailed") {
    Result<PaymentOutcome> refunded = store_.refund(key);
    if (!refunded.ok()) return done(false);
    return publish(consumed, follow_up(event, "PaymentRefunded", {{"reason", event.reason}}), done);
  }
  done(true);
}

void PaymentReactions::publish(const ConsumedEvent& consumed, const json& event, std::function<void(bool)> done) {
  publish_follow_up(publisher_, log_, consumed, event, std::move(done));
}

}  // namespace sluice::native
