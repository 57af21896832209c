// parse_json.h: parse_json, JSON text to a value or an error that says where and why,
// without exceptions (so it also runs in WebAssembly).
//
//   Result<nlohmann::json> body = parse_json(request.body);
//   if (!body.ok()) return bad_request(body.status().message());
//   // "malformed JSON: syntax error while parsing object key - invalid literal;
//   //  last read: '{abc'; expected string literal (line 1, column 2)"
#ifndef SLUICE_CORE_CONFIG_PARSE_JSON_H_
#define SLUICE_CORE_CONFIG_PARSE_JSON_H_

#include <nlohmann/json.hpp>
#include <string_view>

#include "core/base/result.h"

namespace sluice::config {

Result<nlohmann::json> parse_json(std::string_view text);

}  // namespace sluice::config

#endif  // SLUICE_CORE_CONFIG_PARSE_JSON_H_
