#include "core/resilience/destination_rule.h"

#include <string_view>

#include "core/config/json_fields.h"

namespace sluice::resilience {
namespace {

using config::JsonFields;
using nlohmann::json;

// Fields of Istio's API that sluice cannot honour, and why, per object.
void refuse(JsonFields& f, const json& object, std::string_view key, const char* why) {
  if (f.object(key) != nullptr) f.fail(key, std::string("cannot be honoured: ") + why, object.at(std::string(key)));
}

void read_tcp(const json& object, ConnectionPoolSettings& pool, JsonFields& parent) {
  JsonFields f(object, "spec.trafficPolicy.connectionPool.tcp");
  f.count("maxConnections", pool.max_connections);
  f.duration("connectTimeout", pool.connect_timeout);
  refuse(f, object, "tcpKeepalive", "sluice's client does not set TCP keepalive");
  refuse(f, object, "maxConnectionDuration", "connections are not recycled by age");
  refuse(f, object, "idleTimeout", "set the HTTP idleTimeout instead");
  parent.fail_with(f.finish());
}

void read_http(const json& object, ConnectionPoolSettings& pool, std::optional<BulkheadConfig>& bulkhead,
               JsonFields& parent) {
  JsonFields f(object, "spec.trafficPolicy.connectionPool.http");
  BulkheadConfig limits;
  bool any_limit = false;
  if (f.object("http2MaxRequests") != nullptr) any_limit = true;
  f.count("http2MaxRequests", limits.max_concurrent_calls);
  if (f.object("http1MaxPendingRequests") != nullptr) any_limit = true;
  f.count("http1MaxPendingRequests", limits.max_queued_calls);
  f.count("maxRequestsPerConnection", pool.max_requests_per_connection);
  f.count("maxRetries", pool.max_retries);
  f.duration("idleTimeout", pool.idle_timeout);
  f.choice("h2UpgradePolicy", pool.h2_upgrade_policy,
           {{"DEFAULT", std::string("DEFAULT")},
            {"DO_NOT_UPGRADE", std::string("DO_NOT_UPGRADE")},
            {"UPGRADE", std::string("UPGRADE")}});
  refuse(f, object, "useClientProtocol", "sluice's client speaks HTTP/1.1 to services");
  refuse(f, object, "maxConcurrentStreams", "sluice's client does not use HTTP/2 streams");
  if (Status status = f.finish(); !status.ok()) return parent.fail_with(status);
  if (any_limit) {
    if (Status status = limits.validate(); !status.ok()) {
      return parent.fail_with(Status::invalid_argument("spec.trafficPolicy.connectionPool.http: " + status.message()));
    }
    bulkhead = limits;
  }
}

void read_outlier_detection(const json& object, std::optional<OutlierDetectionConfig>& out, JsonFields& parent) {
  JsonFields f(object, "spec.trafficPolicy.outlierDetection");
  OutlierDetectionConfig c;
  // Istio's outlier detection ejects on consecutive errors only.
  c.enforcing_success_rate = 0;
  c.enforcing_failure_percentage = 0;
  c.consecutive_gateway_failure = 0;
  c.enforcing_consecutive_gateway_failure = 100;
  f.count("consecutive5xxErrors", c.consecutive_5xx);
  f.count("consecutiveGatewayErrors", c.consecutive_gateway_failure);
  f.duration("interval", c.interval);
  f.duration("baseEjectionTime", c.base_ejection_time);
  double max_ejection_percent = c.max_ejection_percent;
  f.number("maxEjectionPercent", max_ejection_percent);
  c.max_ejection_percent = max_ejection_percent;
  double min_health_percent = 0;
  f.number("minHealthPercent", min_health_percent);
  if (min_health_percent != 0) {
    f.fail("minHealthPercent",
           "cannot be honoured unless 0 (its default): sluice turns detection off only when "
           "every host is ejected",
           json(min_health_percent));
  }
  refuse(f, object, "consecutiveErrors", "it is deprecated in Istio; use consecutive5xxErrors");
  refuse(f, object, "splitExternalLocalOriginErrors", "sluice does not split local-origin errors");
  refuse(f, object, "consecutiveLocalOriginFailures", "sluice does not split local-origin errors");
  if (Status status = f.finish(); !status.ok()) return parent.fail_with(status);
  // Envoy caps an ejection at max(base, 300 s) when the rule does not say.
  c.max_ejection_time = std::max(c.base_ejection_time, c.max_ejection_time);
  if (Status status = c.validate(); !status.ok()) {
    return parent.fail_with(Status::invalid_argument("spec.trafficPolicy.outlierDetection: " + status.message()));
  }
  out = c;
}

void read_traffic_policy(const json& object, DestinationRulePolicies& policies, JsonFields& parent) {
  JsonFields f(object, "spec.trafficPolicy");
  if (const json* pool = f.object("connectionPool")) {
    JsonFields p(*pool, "spec.trafficPolicy.connectionPool");
    if (const json* tcp = p.object("tcp")) read_tcp(*tcp, policies.connection_pool, p);
    if (const json* http = p.object("http")) read_http(*http, policies.connection_pool, policies.bulkhead, p);
    f.fail_with(p.finish());
  }
  if (const json* outlier = f.object("outlierDetection"))
    read_outlier_detection(*outlier, policies.outlier_detection, f);
  if (const json* lb = f.object("loadBalancer")) {
    JsonFields l(*lb, "spec.trafficPolicy.loadBalancer");
    l.choice("simple", policies.load_balancing,
             {{"ROUND_ROBIN", LoadBalancing::kRoundRobin}, {"LEAST_REQUEST", LoadBalancing::kLeastRequest}});
    refuse(l, *lb, "consistentHash", "sluice balances by round robin or least request");
    refuse(l, *lb, "localityLbSetting", "sluice has no localities");
    refuse(l, *lb, "warmupDurationSecs", "sluice does not warm up new hosts");
    f.fail_with(l.finish());
  }
  refuse(f, object, "tls", "sluice's services talk plain HTTP on loopback");
  refuse(f, object, "portLevelSettings", "one policy applies to every port");
  refuse(f, object, "tunnel", "sluice does not tunnel");
  refuse(f, object, "proxyProtocol", "sluice does not send PROXY protocol headers");
  parent.fail_with(f.finish());
}

}  // namespace

Result<DestinationRulePolicies> policies_from_destination_rule(const json& rule) {
  DestinationRulePolicies policies;
  JsonFields f(rule, "DestinationRule");
  std::string api_version, kind;
  f.text("apiVersion", api_version);
  f.text("kind", kind);
  if (!api_version.starts_with("networking.istio.io/")) {
    f.fail("apiVersion", "must be networking.istio.io/v1, v1beta1 or v1alpha3", json(api_version));
  }
  if (kind != "DestinationRule") f.fail("kind", "must be DestinationRule", json(kind));
  if (const json* metadata = f.object("metadata");
      metadata != nullptr && metadata->is_object() && metadata->contains("name") && (*metadata)["name"].is_string()) {
    policies.name = (*metadata)["name"].get<std::string>();
  }
  const json* spec = f.object("spec");
  if (spec == nullptr) {
    f.fail("spec", "is required", json(nullptr));
  } else {
    JsonFields s(*spec, "spec");
    s.text("host", policies.host);
    if (policies.host.empty()) s.fail("host", "is required", json(policies.host));
    if (const json* traffic = s.object("trafficPolicy")) read_traffic_policy(*traffic, policies, s);
    refuse(s, *spec, "subsets", "sluice applies one policy per destination");
    refuse(s, *spec, "exportTo", "sluice has no namespaces");
    refuse(s, *spec, "workloadSelector", "sluice has no workloads to select");
    f.fail_with(s.finish());
  }
  SLUICE_RETURN_IF_ERROR(f.finish());
  return policies;
}

}  // namespace sluice::resilience
