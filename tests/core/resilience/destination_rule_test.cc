#include "core/resilience/destination_rule.h"

#include <gtest/gtest.h>

namespace sluice::resilience {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// The article's rule for the inventory service, as kubectl prints it in JSON.
json article_rule() {
  return json::parse(R"({
    "apiVersion": "networking.istio.io/v1beta1",
    "kind": "DestinationRule",
    "metadata": {"name": "inventory-service"},
    "spec": {
      "host": "inventory-service",
      "trafficPolicy": {
        "connectionPool": {
          "tcp": {"maxConnections": 100},
          "http": {"h2UpgradePolicy": "DEFAULT", "http1MaxPendingRequests": 50, "http2MaxRequests": 100,
                   "maxRequestsPerConnection": 10}
        },
        "outlierDetection": {"consecutive5xxErrors": 3, "interval": "10s", "baseEjectionTime": "30s",
                             "maxEjectionPercent": 50}
      }
    }
  })");
}

TEST(DestinationRuleTest, MapsTheArticlesRuleOntoPolicies) {
  const Result<DestinationRulePolicies> policies = policies_from_destination_rule(article_rule());
  ASSERT_TRUE(policies.ok()) << policies.status().message();
  EXPECT_EQ(policies->name, "inventory-service");
  EXPECT_EQ(policies->host, "inventory-service");
  EXPECT_EQ(policies->connection_pool.max_connections, 100u);
  EXPECT_EQ(policies->connection_pool.max_requests_per_connection, 10u);
  EXPECT_EQ(policies->connection_pool.h2_upgrade_policy, "DEFAULT");
  ASSERT_TRUE(policies->bulkhead);
  EXPECT_EQ(policies->bulkhead->max_concurrent_calls, 100u);
  EXPECT_EQ(policies->bulkhead->max_queued_calls, 50u);
  ASSERT_TRUE(policies->outlier_detection);
  const OutlierDetectionConfig& od = *policies->outlier_detection;
  EXPECT_EQ(od.consecutive_5xx, 3u);
  EXPECT_EQ(od.interval, 10s);
  EXPECT_EQ(od.base_ejection_time, 30s);
  EXPECT_EQ(od.max_ejection_percent, 50);
  EXPECT_EQ(od.enforcing_success_rate, 0);  // Istio ejects on consecutive errors only
  EXPECT_EQ(od.consecutive_gateway_failure, 0u);
  EXPECT_EQ(policies->load_balancing, LoadBalancing::kRoundRobin);
}

TEST(DestinationRuleTest, AMinimalRuleLeavesPoliciesOff) {
  const auto policies = policies_from_destination_rule(json::parse(
      R"({"apiVersion": "networking.istio.io/v1", "kind": "DestinationRule", "spec": {"host": "payment"}})"));
  ASSERT_TRUE(policies.ok()) << policies.status().message();
  EXPECT_FALSE(policies->bulkhead);
  EXPECT_FALSE(policies->outlier_detection);
}

TEST(DestinationRuleTest, WhatCannotBeHonouredIsAnErrorNamingTheField) {
  auto error = [](const char* path, const json& value) {
    json rule = article_rule();
    rule[json::json_pointer(path)] = value;
    return policies_from_destination_rule(rule).status().message();
  };
  EXPECT_EQ(error("/spec/subsets", json::array({{{"name", "v1"}}})),
            "spec.subsets cannot be honoured: sluice applies one policy per destination; got [{\"name\":\"v1\"}]");
  EXPECT_EQ(error("/spec/trafficPolicy/tls", {{"mode", "ISTIO_MUTUAL"}}),
            "spec.trafficPolicy.tls cannot be honoured: sluice's services talk plain HTTP on loopback; got "
            "{\"mode\":\"ISTIO_MUTUAL\"}");
  EXPECT_EQ(error("/spec/trafficPolicy/outlierDetection/minHealthPercent", 50),
            "spec.trafficPolicy.outlierDetection.minHealthPercent cannot be honoured unless 0 (its default): sluice "
            "turns detection off only when every host is ejected; got 50.0");
  EXPECT_EQ(error("/spec/trafficPolicy/outlierDetection/consecutiveErrors", 5),
            "spec.trafficPolicy.outlierDetection.consecutiveErrors cannot be honoured: it is deprecated in Istio; use "
            "consecutive5xxErrors; got 5");
  EXPECT_EQ(error("/spec/trafficPolicy/loadBalancer", {{"simple", "RANDOM"}}),
            "spec.trafficPolicy.loadBalancer.simple must be one of \"ROUND_ROBIN\", \"LEAST_REQUEST\"; got \"RANDOM\"");
  EXPECT_EQ(error("/spec/trafficPolicy/connectionPool/http/maxRetriez", 3),
            "spec.trafficPolicy.connectionPool.http: unknown field \"maxRetriez\"");
  EXPECT_EQ(error("/spec/trafficPolicy/outlierDetection/interval", "10"),
            "spec.trafficPolicy.outlierDetection.interval: invalid duration \"10\": a unit is required (ns, us, "
            "ms, s, m, h)");
  EXPECT_EQ(error("/spec/trafficPolicy/outlierDetection/maxEjectionPercent", 150),
            "spec.trafficPolicy.outlierDetection: max_ejection_percent must be from 0 to 100; got 150");
  EXPECT_EQ(error("/spec/trafficPolicy/connectionPool/http/http2MaxRequests", 0),
            "spec.trafficPolicy.connectionPool.http: max_concurrent_calls must be at least 1: with none no call "
            "could run");
  EXPECT_EQ(error("/kind", "VirtualService"), "DestinationRule.kind must be DestinationRule; got \"VirtualService\"");
  EXPECT_EQ(error("/spec/host", ""), "spec.host is required; got \"\"");
}

TEST(DestinationRuleTest, LeastRequestAndGatewayErrorsMapToo) {
  json rule = article_rule();
  rule["spec"]["trafficPolicy"]["loadBalancer"] = {{"simple", "LEAST_REQUEST"}};
  rule["spec"]["trafficPolicy"]["outlierDetection"]["consecutiveGatewayErrors"] = 2;
  const auto policies = policies_from_destination_rule(rule);
  ASSERT_TRUE(policies.ok()) << policies.status().message();
  EXPECT_EQ(policies->load_balancing, LoadBalancing::kLeastRequest);
  EXPECT_EQ(policies->outlier_detection->consecutive_gateway_failure, 2u);
  EXPECT_EQ(policies->outlier_detection->enforcing_consecutive_gateway_failure, 100);
}

}  // namespace
}  // namespace sluice::resilience
