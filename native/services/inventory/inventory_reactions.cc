#include "native/services/inventory/inventory_reactions.h"

#include "native/services/common/choreography_events.h"

namespace sluice::native {

using nlohmann::json;

void InventoryReactions::handle(const ConsumedEvent& consumed, std::function<void(bool)> done) {
  const json& event = consumed.event;
  const std::string order = event.value("orderId", "");
  if (event.value("eventType", "") != "PaymentCharged" || order.empty()) return done(true);
  std::vector<StockItem> items;
  for (const json& item : event.value("items", json::array())) {
    if (item.is_object() && item.contains("productId") && item["productId"].is_string() && item.contains("quantity") &&
        item["quantity"].is_number_integer()) {
      items.push_back({item["productId"].get<std::string>(), item["quantity"].get<std::int32_t>()});
    }
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
