// destination_rule_yaml.h: an Istio DestinationRule written in YAML, as in the article,
// mapped onto sluice's policies (see core/resilience/destination_rule.h for the mapping
// and what is refused).
//
//   Result<DestinationRulePolicies> policies = policies_from_destination_rule_yaml(file_text);
#ifndef SLUICE_NATIVE_CONFIG_DESTINATION_RULE_YAML_H_
#define SLUICE_NATIVE_CONFIG_DESTINATION_RULE_YAML_H_

#include <string_view>

#include "core/resilience/destination_rule.h"

namespace sluice::native {

Result<resilience::DestinationRulePolicies> policies_from_destination_rule_yaml(std::string_view text);

}  // namespace sluice::native

#endif  // SLUICE_NATIVE_CONFIG_DESTINATION_RULE_YAML_H_
