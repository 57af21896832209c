// event_json.h: an Event as JSON, the one shape logs, the SSE stream of a live service
// and the playground all read:
//   {"what": "breaker.state_changed", "where": "inventory", "when_ns": 1500000000,
//    "trace_id": "4bf9...", "attributes": {"from": "CLOSED", "to": "OPEN"}}
// trace_id is left out when empty.
#ifndef SLUICE_CORE_OBSERVE_EVENT_JSON_H_
#define SLUICE_CORE_OBSERVE_EVENT_JSON_H_

#include <nlohmann/json.hpp>

#include "core/observe/event.h"

namespace sluice::observe {

nlohmann::json event_to_json(const Event& event);

}  // namespace sluice::observe

#endif  // SLUICE_CORE_OBSERVE_EVENT_JSON_H_
