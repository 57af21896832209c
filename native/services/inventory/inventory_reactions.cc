#include "native/services/inventory/inventory_reactions.h"

#include "native/services/common/choreography_events.h"

namespace sluice::native {

using nlohmann::json;

void InventoryReactions::handle(const ConsumedEvent& consumed, std::function<void(bool)> done) {
  const services::OrderEvent& event = consumed.event;
  const std::string& order = event.order_id;
  if (event.event_type != "PaymentCharged") return done(true);
  std::vector<StockItem> items;
  // Quantities are checked at the door (1..kMaxQuantity), so they fit an int32.
  for (const services::OrderItem& item : event.items) {
    items.push_back({item.product_id, static_cast<std::int32_t>(item.quantity)});
  }
  json follow;
  Result<ReserveOutcome> reserved = store_.reserve({order, "reserve_stock"}, items);
  if (!reserved.ok() && reserved.status().code() == StatusCode::kUnavailable) return done(false);  // retried
  if (!reserved.ok()) {
    follow = follow_up(event, "StockFailed", {{"reason", reserved.status().message()}});
  } else if (reserved->barrier == saga::BarrierOutcome::kHanging) {
    return done(true);  // released already
  } else {
    follow = follow_up(event, "StockReserved", {{"reservationId", reserved->reservation_id}});
  }
  publish_follow_up(publisher_, log_, consumed, follow, std::move(done));
}

}  // namespace sluice::native
