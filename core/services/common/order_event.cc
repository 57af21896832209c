#include "core/services/common/order_event.h"

#include <cmath>
#include <utility>

#include "core/config/json_fields.h"
#include "core/config/parse_json.h"

namespace sluice::services {
namespace {

using nlohmann::json;

Status invalid(const Status& status) { return Status::invalid_argument(status.message(), "invalid_field"); }

// checked: the first error `fields` recorded, as an "invalid_field" error, or OK.
Status checked(const config::JsonFields& fields) {
  const Status status = fields.finish_allowing_unknown();
  return status.ok() ? status : invalid(status);
}

// text: a string field of at most kMaxFieldBytes; `required` ones must be non-empty.
void text(config::JsonFields& fields, std::string_view key, std::string& out, bool required) {
  fields.text(key, out);
  if (out.size() > kMaxFieldBytes) {
    fields.fail(key, "must be at most " + std::to_string(kMaxFieldBytes) + " bytes", json(out.substr(0, 40)));
  } else if (required && out.empty()) {
    fields.fail(key, "must not be empty", json(out));
  }
}

Result<OrderItem> decode_item(const json& value, std::size_t index) {
  config::JsonFields fields(value, "items[" + std::to_string(index) + "]");
  OrderItem item;
  text(fields, "productId", item.product_id, /*required=*/true);
  double quantity = 0;
  fields.number("quantity", quantity);
  if (!value.is_object() || !value.contains("productId") || !value.contains("quantity")) {
    return Status::invalid_argument(fields.where() + " needs productId and quantity", "missing_field");
  }
  if (std::floor(quantity) != quantity || quantity < 1 || quantity > static_cast<double>(kMaxQuantity)) {
    fields.fail("quantity", "must be a whole number from 1 to " + std::to_string(kMaxQuantity), value["quantity"]);
  }
  SLUICE_RETURN_IF_ERROR(checked(fields));
  item.quantity = static_cast<std::int64_t>(quantity);
  return item;
}

Result<OrderEvent> decode_object(json body) {
  if (!body.is_object()) return Status::invalid_argument("the event must be a JSON object", "not_an_object");
  for (const char* required : {"eventType", "orderId", "idempotencyKey"}) {
    if (!body.contains(required)) {
      return Status::invalid_argument("the event has no " + std::string(required), "missing_field");
    }
  }
  OrderEvent event;
  config::JsonFields fields(body, "event");
  text(fields, "eventType", event.event_type, /*required=*/true);
  text(fields, "orderId", event.order_id, /*required=*/true);
  text(fields, "idempotencyKey", event.idempotency_key, /*required=*/true);
  text(fields, "userId", event.user_id, false);
  text(fields, "card", event.card, false);
  text(fields, "reason", event.reason, false);
  text(fields, "paymentId", event.payment_id, false);
  text(fields, "correlationId", event.correlation_id, false);
  text(fields, "traceparent", event.traceparent, false);
  text(fields, "tracestate", event.tracestate, false);
  std::string ignored;
  text(fields, "timestamp", ignored, false);
  text(fields, "status", ignored, false);
  if (body.contains("total")) {
    double total = 0;
    fields.number("total", total);
    if (total < 0) fields.fail("total", "must be >= 0", body["total"]);
    event.total = total;
  }
  SLUICE_RETURN_IF_ERROR(checked(fields));
  if (const auto items = body.find("items"); items != body.end()) {
    if (!items->is_array()) return invalid(Status::invalid_argument("event.items must be an array"));
    if (items->size() > kMaxItems) {
      return invalid(Status::invalid_argument("event.items must have at most " + std::to_string(kMaxItems) + " items"));
    }
    for (std::size_t i = 0; i < items->size(); ++i) {
      SLUICE_ASSIGN_OR_RETURN(OrderItem item, decode_item((*items)[i], i));
      event.items.push_back(std::move(item));
    }
  }
  event.body = std::move(body);
  return event;
}

}  // namespace

Result<OrderEvent> decode_order_event(std::string_view body) {
  SLUICE_ASSIGN_OR_RETURN(json parsed, config::parse_untrusted_json(body));
  return decode_object(std::move(parsed));
}

}  // namespace sluice::services
