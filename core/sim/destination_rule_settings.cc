#include "core/sim/destination_rule_settings.h"

#include "core/resilience/destination_rule.h"

namespace sluice::sim {

Result<resilience::ResilienceConfig> stock_check_settings_from_destination_rule(
    const nlohmann::json& rule, const resilience::ResilienceConfig& current) {
  Result<resilience::DestinationRulePolicies> policies = resilience::policies_from_destination_rule(rule);
  if (!policies.ok()) return policies.status();
  const resilience::ConnectionPoolSettings& pool = policies->connection_pool;
  if (policies->bulkhead || pool.max_connections != 0 || pool.connect_timeout.count() != 0 ||
      pool.max_requests_per_connection != 0 || pool.max_retries != 0 || pool.idle_timeout.count() != 0 ||
      !pool.h2_upgrade_policy.empty()) {
    return Status::invalid_argument(
        "spec.trafficPolicy.connectionPool: the simulated stock check has no connection pool or bulkhead; "
        "remove it to apply the rule's outlierDetection");
  }
  if (!policies->outlier_detection) {
    return Status::invalid_argument("spec.trafficPolicy.outlierDetection: the rule has none, so nothing to apply");
  }
  const resilience::OutlierDetectionConfig& outlier = *policies->outlier_detection;
  const std::uint32_t threshold =
      outlier.consecutive_5xx != 0 ? outlier.consecutive_5xx : outlier.consecutive_gateway_failure;
  if (threshold == 0) {
    return Status::invalid_argument(
        "spec.trafficPolicy.outlierDetection: consecutive5xxErrors and consecutiveGatewayErrors are both 0, so it "
        "never ejects");
  }
  resilience::ResilienceConfig settings = current;
  settings.circuit_breaker =
      resilience::CircuitBreakerConfig{.failure_threshold = threshold,
                                       .failure_counting = resilience::FailureCounting::kConsecutive,
                                       .wait_in_open = outlier.base_ejection_time,
                                       .half_open_transition = resilience::HalfOpenTransition::kScheduled,
                                       .permitted_calls_in_half_open = 1};
  if (Status s = settings.circuit_breaker->validate(); !s.ok()) {
    return Status::invalid_argument("spec.trafficPolicy.outlierDetection: " + s.message());
  }
  return settings;
}

}  // namespace sluice::sim
