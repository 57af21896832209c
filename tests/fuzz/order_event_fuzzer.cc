// Every consumer's message decoding (services::decode_order_event, the one door of
// analytics, notification and the order, payment and inventory reactions) never
// crashes or throws, and what it accepts round-trips: the body written back decodes to
// the same event.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/services/common/order_event.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  sluice::Result<sluice::services::OrderEvent> event = sluice::services::decode_order_event(text);
  if (!event.ok()) {
    if (event.status().reason().empty()) std::abort();  // every refusal names its reason
    return 0;
  }
  sluice::Result<sluice::services::OrderEvent> again = sluice::services::decode_order_event(event->body.dump());
  if (!again.ok() || again->event_type != event->event_type || again->order_id != event->order_id ||
      again->idempotency_key != event->idempotency_key || again->items.size() != event->items.size() ||
      again->total != event->total) {
    std::abort();
  }
  return 0;
}
