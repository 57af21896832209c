#include "native/config/destination_rule_yaml.h"

#include <gtest/gtest.h>

#include "native/config/yaml_json.h"

namespace sluice::native {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// The article's rule, as a team would keep it in its repository.
constexpr const char* kArticleRule = R"(# Istio DestinationRule with circuit breaking
apiVersion: networking.istio.io/v1beta1
kind: DestinationRule
metadata:
  name: inventory-service
spec:
  host: inventory-service
  trafficPolicy:
    connectionPool:
      tcp:
        maxConnections: 100
      http:
        h2UpgradePolicy: DEFAULT
        http1MaxPendingRequests: 50
        http2MaxRequests: 100
        maxRequestsPerConnection: 10
    outlierDetection:
      consecutive5xxErrors: 3
      interval: 10s
      baseEjectionTime: 30s
      maxEjectionPercent: 50
)";

TEST(DestinationRuleYamlTest, TheArticlesRuleMapsAsItsJsonDoes) {
  const auto policies = policies_from_destination_rule_yaml(kArticleRule);
  ASSERT_TRUE(policies.ok()) << policies.status().message();
  EXPECT_EQ(policies->host, "inventory-service");
  EXPECT_EQ(policies->connection_pool.max_connections, 100u);
  EXPECT_EQ(policies->bulkhead->max_concurrent_calls, 100u);
  EXPECT_EQ(policies->bulkhead->max_queued_calls, 50u);
  EXPECT_EQ(policies->outlier_detection->consecutive_5xx, 3u);
  EXPECT_EQ(policies->outlier_detection->base_ejection_time, 30s);
  EXPECT_EQ(policies->outlier_detection->max_ejection_percent, 50);
}

TEST(YamlJsonTest, TypesPlainScalarsAndKeepsQuotedOnesAsStrings) {
  const auto value = yaml_to_json("a: 42\nb: 4.5\nc: true\nd: ~\ne: '100'\nf: \"true\"\ng: 10s\nh: [1, x]\n");
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(*value, json::parse(R"({"a": 42, "b": 4.5, "c": true, "d": null, "e": "100", "f": "true", "g": "10s",
                                   "h": [1, "x"]})"));
}

TEST(YamlJsonTest, MalformedYamlSaysWhere) {
  EXPECT_EQ(yaml_to_json("spec:\n  host: [unclosed\n").status().message(),
            "malformed YAML: end of sequence flow not found (line 3, column 1)");
}

TEST(DestinationRuleYamlTest, ARefusedFieldInYamlIsReportedByItsPath) {
  const std::string rule = std::string(kArticleRule) + "  subsets:\n  - name: v1\n";
  EXPECT_EQ(policies_from_destination_rule_yaml(rule).status().message(),
            "spec.subsets cannot be honoured: sluice applies one policy per destination; got [{\"name\":\"v1\"}]");
}

}  // namespace
}  // namespace sluice::native
