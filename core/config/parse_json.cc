#include "core/config/parse_json.h"

#include <set>
#include <string>
#include <vector>

namespace sluice::config {
namespace {

using nlohmann::json;

// The library's DOM builder, keeping the error it is handed instead of throwing it.
// sax_parse() calls the handler's members by their static type, so hiding
// parse_error() here is enough.
class DomBuilderKeepingError : public nlohmann::detail::json_sax_dom_parser<json> {
 public:
  explicit DomBuilderKeepingError(json& result) : json_sax_dom_parser(result, /*allow_exceptions=*/false) {}

  bool parse_error(std::size_t /*position*/, const std::string& /*last_token*/,
                   const nlohmann::detail::exception& error) {
    message = error.what();
    return false;
  }

  std::string message;
};

// The DOM builder with the limits of parse_untrusted_json; the first broken rule stops
// the parse and is kept in `reason`.
class LimitedDomBuilder : public DomBuilderKeepingError {
 public:
  LimitedDomBuilder(json& result, std::size_t max_depth) : DomBuilderKeepingError(result), max_depth_(max_depth) {}

  bool start_object(std::size_t size) {
    keys_.emplace_back();
    return deeper() && DomBuilderKeepingError::start_object(size);
  }
  bool end_object() {
    keys_.pop_back();
    --depth_;
    return DomBuilderKeepingError::end_object();
  }
  bool start_array(std::size_t size) { return deeper() && DomBuilderKeepingError::start_array(size); }
  bool end_array() {
    --depth_;
    return DomBuilderKeepingError::end_array();
  }
  bool key(std::string& name) {
    if (!keys_.back().insert(name).second)
      return broken("duplicate_key", "the key \"" + clipped(name) + "\" appears twice");
    return DomBuilderKeepingError::key(name);
  }
  // parse_error: the parser reports a number too large for a double (1e400) as
  // out_of_range 406, before any value reaches the builder.
  bool parse_error(std::size_t position, const std::string& last_token, const nlohmann::detail::exception& error) {
    if (error.id == 406) return broken("number_out_of_range", "the number " + clipped(last_token) + " is out of range");
    return DomBuilderKeepingError::parse_error(position, last_token, error);
  }

  std::string_view reason;  // empty unless a limit stopped the parse
  std::string detail;

 private:
  bool deeper() {
    if (++depth_ > max_depth_)
      return broken("too_deep", "nested deeper than " + std::to_string(max_depth_) + " levels");
    return true;
  }
  bool broken(std::string_view why, std::string what) {
    reason = why;
    detail = std::move(what);
    return false;
  }
  static std::string clipped(const std::string& text) { return text.size() <= 40 ? text : text.substr(0, 40) + "..."; }

  std::size_t max_depth_;
  std::size_t depth_ = 0;
  std::vector<std::set<std::string>> keys_;
};

// "[json.exception.parse_error.101] parse error at line 1, column 2: syntax error ..."
// becomes "syntax error ... (line 1, column 2)".
std::string readable(const std::string& what) {
  std::string text = what;
  if (text.starts_with("[json.exception.")) text.erase(0, text.find(']') + 2);
  const std::size_t at = text.find(" at line ");
  const std::size_t colon = text.find(": ", at == std::string::npos ? 0 : at);
  if (at != std::string::npos && colon != std::string::npos) {
    const std::string where = text.substr(at + 4, colon - at - 4);  // "line 1, column 2"
    text = text.substr(colon + 2) + " (" + where + ")";
  }
  return text;
}

}  // namespace

Result<json> parse_json(std::string_view text) {
  json result;
  DomBuilderKeepingError builder(result);
  const bool parsed = json::sax_parse(text.begin(), text.end(), &builder);
  if (!parsed) {
    return Status::invalid_argument(
        "malformed JSON: " + (builder.message.empty() ? std::string("unexpected end") : readable(builder.message)));
  }
  return result;
}

Result<json> parse_untrusted_json(std::string_view text, const UntrustedJsonLimits& limits) {
  if (text.size() > limits.max_bytes) {
    return Status::invalid_argument(
        std::to_string(text.size()) + " bytes is over the limit of " + std::to_string(limits.max_bytes), "too_large");
  }
  json result;
  LimitedDomBuilder builder(result, limits.max_depth);
  if (json::sax_parse(text.begin(), text.end(), &builder)) return result;
  if (!builder.reason.empty()) return Status::invalid_argument(builder.detail, builder.reason);
  return Status::invalid_argument(
      "malformed JSON: " + (builder.message.empty() ? std::string("unexpected end") : readable(builder.message)),
      "not_json");
}

}  // namespace sluice::config
