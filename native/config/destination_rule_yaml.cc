#include "native/config/destination_rule_yaml.h"

#include "native/config/yaml_json.h"

namespace sluice::native {

Result<resilience::DestinationRulePolicies> policies_from_destination_rule_yaml(std::string_view text) {
  Result<nlohmann::json> rule = yaml_to_json(text);
  if (!rule.ok()) return rule.status();
  return resilience::policies_from_destination_rule(*rule);
}

}  // namespace sluice::native
