// destination_rule_settings.h: an Istio DestinationRule pasted into the playground, as
// settings for the order service's stock check (its one inventory host).
//
// Istio's outlier detection on a single host ejects it after consecutive errors and
// returns it after the ejection time: here a breaker that opens after
// consecutive5xxErrors (or consecutiveGatewayErrors) failures in a row and half-opens
// after baseEjectionTime, one probe deciding. Two differences, said rather than hidden:
// Envoy lengthens each repeated ejection (base x count, up to maxEjectionTime), this
// breaker waits the same each time; and Envoy returns the host to full traffic, this
// breaker lets one probe decide first.
//
// What the stock check cannot honour is an error naming it: connection-pool limits (it
// has no bulkhead or pool), and a rule with no outlierDetection (nothing to apply).
// The stock check's retry, budget and timeout stay as they were.
#ifndef SLUICE_CORE_SIM_DESTINATION_RULE_SETTINGS_H_
#define SLUICE_CORE_SIM_DESTINATION_RULE_SETTINGS_H_

#include <nlohmann/json.hpp>

#include "core/base/result.h"
#include "core/resilience/config_json.h"

namespace sluice::sim {

// stock_check_settings_from_destination_rule: `current` with its breaker replaced by
// the rule's outlier detection.
Result<resilience::ResilienceConfig> stock_check_settings_from_destination_rule(
    const nlohmann::json& rule, const resilience::ResilienceConfig& current);

}  // namespace sluice::sim

#endif  // SLUICE_CORE_SIM_DESTINATION_RULE_SETTINGS_H_
