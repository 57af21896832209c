#include "core/sim/destination_rule_settings.h"

#include <gtest/gtest.h>

namespace sluice::sim {
namespace {

using nlohmann::json;

json rule(json traffic_policy) {
  return {{"apiVersion", "networking.istio.io/v1beta1"},
          {"kind", "DestinationRule"},
          {"metadata", {{"name", "inventory"}}},
          {"spec", {{"host", "inventory"}, {"trafficPolicy", std::move(traffic_policy)}}}};
}

TEST(DestinationRuleSettingsTest, OutlierDetectionBecomesTheStockChecksBreakerAndTheRestStays) {
  resilience::ResilienceConfig current;
  current.retry = resilience::RetryConfig{.max_attempts = 4};
  current.timeout = std::chrono::milliseconds(300);
  Result<resilience::ResilienceConfig> settings = stock_check_settings_from_destination_rule(
      rule({{"outlierDetection", {{"consecutive5xxErrors", 3}, {"baseEjectionTime", "15s"}}}}), current);
  ASSERT_TRUE(settings.ok()) << settings.status().message();
  ASSERT_TRUE(settings->circuit_breaker.has_value());
  EXPECT_EQ(settings->circuit_breaker->failure_threshold, 3u);
  EXPECT_EQ(settings->circuit_breaker->failure_counting, resilience::FailureCounting::kConsecutive);
  EXPECT_EQ(settings->circuit_breaker->wait_in_open, std::chrono::seconds(15));
  EXPECT_EQ(settings->circuit_breaker->permitted_calls_in_half_open, 1u);
  EXPECT_EQ(settings->retry->max_attempts, 4u) << "the retry is not the rule's to change";
  EXPECT_EQ(settings->timeout, std::chrono::milliseconds(300));
}

TEST(DestinationRuleSettingsTest, WhatTheStockCheckCannotHonourIsAnErrorNamingIt) {
  const std::pair<json, const char*> cases[] = {
      {rule({{"connectionPool", {{"http", {{"http2MaxRequests", 10}}}}},
             {"outlierDetection", {{"consecutive5xxErrors", 3}}}}),
       "connectionPool"},
      {rule({{"loadBalancer", {{"simple", "ROUND_ROBIN"}}}}), "outlierDetection: the rule has none"},
      {rule({{"outlierDetection", {{"consecutive5xxErrors", 0}, {"consecutiveGatewayErrors", 0}}}}), "never ejects"},
      {rule({{"outlierDetection", {{"consecutive5xxErrors", "three"}}}}), "consecutive5xxErrors"},
      {json{{"kind", "DestinationRule"}}, "apiVersion"},
  };
  for (const auto& [input, expected] : cases) {
    Result<resilience::ResilienceConfig> settings = stock_check_settings_from_destination_rule(input, {});
    ASSERT_FALSE(settings.ok()) << input.dump();
    EXPECT_NE(settings.status().message().find(expected), std::string::npos)
        << input.dump() << "\n  got: " << settings.status().message();
  }
}

}  // namespace
}  // namespace sluice::sim
