// destination_rule.h: an Istio DestinationRule mapped onto sluice's policies, so a team
// keeps the traffic policy it already wrote for its mesh:
//
//   spec.trafficPolicy.connectionPool.http.http2MaxRequests        -> bulkhead.max_concurrent_calls
//   spec.trafficPolicy.connectionPool.http.http1MaxPendingRequests -> bulkhead.max_queued_calls
//   spec.trafficPolicy.connectionPool.{tcp,http}.*                 -> ConnectionPoolSettings (the HTTP client)
//   spec.trafficPolicy.outlierDetection.consecutive5xxErrors       -> outlier_detection.consecutive_5xx
//   spec.trafficPolicy.outlierDetection.consecutiveGatewayErrors   -> consecutive_gateway_failure
//   spec.trafficPolicy.outlierDetection.interval / baseEjectionTime / maxEjectionPercent
//   spec.trafficPolicy.loadBalancer.simple: ROUND_ROBIN or LEAST_REQUEST
//
// Istio's semantics are kept: its outlier detection ejects on consecutive errors only
// (no success-rate detector), and what it leaves unset takes Envoy's defaults.
// Anything sluice cannot honour (subsets, TLS, port-level settings, a non-zero
// minHealthPercent, local-origin error splitting, ...) is an error naming the field;
// nothing is silently ignored. metadata is read for the name and otherwise left alone.
//
// The input is the rule as JSON (kubectl get -o json, or YAML converted by the caller;
// native/config reads YAML directly).
#ifndef SLUICE_CORE_RESILIENCE_DESTINATION_RULE_H_
#define SLUICE_CORE_RESILIENCE_DESTINATION_RULE_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/base/result.h"
#include "core/resilience/bulkhead.h"
#include "core/resilience/outlier_detector.h"

namespace sluice::resilience {

// ConnectionPoolSettings: what the HTTP client's connection pool takes from the rule;
// 0 (or empty) means "not set".
struct ConnectionPoolSettings {
  std::uint32_t max_connections = 0;
  time::Duration connect_timeout{};
  std::uint32_t max_requests_per_connection = 0;
  std::uint32_t max_retries = 0;  // outstanding retries to the host at once
  time::Duration idle_timeout{};
  std::string h2_upgrade_policy;  // DEFAULT, DO_NOT_UPGRADE or UPGRADE
};

enum class LoadBalancing : std::uint8_t { kRoundRobin, kLeastRequest };

struct DestinationRulePolicies {
  std::string name;  // metadata.name
  std::string host;  // spec.host
  ConnectionPoolSettings connection_pool;
  std::optional<BulkheadConfig> bulkhead;  // set when either HTTP limit is
  std::optional<OutlierDetectionConfig> outlier_detection;
  LoadBalancing load_balancing = LoadBalancing::kRoundRobin;
};

Result<DestinationRulePolicies> policies_from_destination_rule(const nlohmann::json& rule);

}  // namespace sluice::resilience

#endif  // SLUICE_CORE_RESILIENCE_DESTINATION_RULE_H_
