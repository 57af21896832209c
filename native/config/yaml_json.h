// yaml_json.h: yaml_to_json, a YAML document as a JSON value.
//
// Plain scalars are typed as YAML 1.2's core schema says (42 and 4.5 are numbers,
// true/false booleans, null and ~ null); quoted scalars stay strings, so "10s" and
// '100' mean what they say. Errors carry the line and column.
#ifndef SLUICE_NATIVE_CONFIG_YAML_JSON_H_
#define SLUICE_NATIVE_CONFIG_YAML_JSON_H_

#include <nlohmann/json.hpp>
#include <string_view>

#include "core/base/result.h"

namespace sluice::native {

Result<nlohmann::json> yaml_to_json(std::string_view text);

}  // namespace sluice::native

#endif  // SLUICE_NATIVE_CONFIG_YAML_JSON_H_
