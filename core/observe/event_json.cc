#include "core/observe/event_json.h"

#include <string>

namespace sluice::observe {

nlohmann::json event_to_json(const Event& event) {
  nlohmann::json attributes = nlohmann::json::object();
  for (const Attribute& a : event.attributes) {
    std::visit([&](const auto& value) { attributes[std::string(a.key)] = value; }, a.value);
  }
  nlohmann::json out = {{"what", event.what},
                        {"where", event.where},
                        {"when_ns", time::nanos_since_epoch(event.when)},
                        {"attributes", std::move(attributes)}};
  if (!event.trace_id.empty()) out["trace_id"] = event.trace_id;
  return out;
}

}  // namespace sluice::observe
