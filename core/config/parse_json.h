// parse_json.h: parse_json, JSON text to a value or an error that says where and why,
// without exceptions (so it also runs in WebAssembly).
//
//   Result<nlohmann::json> body = parse_json(request.body);
//   if (!body.ok()) return bad_request(body.status().message());
//   // "malformed JSON: syntax error while parsing object key - invalid literal;
//   //  last read: '{abc'; expected string literal (line 1, column 2)"
//
// parse_untrusted_json is the door for text from outside (message bodies): it also
// bounds size and nesting and refuses repeated keys, and its Status's reason() names
// the rule that was broken, for metrics:
//
//   SLUICE_ASSIGN_OR_RETURN(nlohmann::json event, parse_untrusted_json(body));
#ifndef SLUICE_CORE_CONFIG_PARSE_JSON_H_
#define SLUICE_CORE_CONFIG_PARSE_JSON_H_

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string_view>

#include "core/base/result.h"

namespace sluice::config {

Result<nlohmann::json> parse_json(std::string_view text);

// UntrustedJsonLimits: what parse_untrusted_json accepts.
struct UntrustedJsonLimits {
  std::size_t max_bytes = 256 * 1024;  // SQS's largest message
  std::size_t max_depth = 32;
};

// parse_untrusted_json: like parse_json, and refuses (reason in brackets)
//   text over max_bytes ("too_large"), text that is not JSON or not valid UTF-8
//   ("not_json"), nesting deeper than max_depth ("too_deep"; checked while parsing, so
//   100,000 '[' cost no stack), an object that repeats a key ("duplicate_key": parsers
//   disagree on which one wins) and a number too large for a double ("number_out_of_range").
// The value it returns can be dumped and destroyed without deep recursion.
Result<nlohmann::json> parse_untrusted_json(std::string_view text, const UntrustedJsonLimits& limits = {});

}  // namespace sluice::config

#endif  // SLUICE_CORE_CONFIG_PARSE_JSON_H_
