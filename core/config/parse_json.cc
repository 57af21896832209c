#include "core/config/parse_json.h"

#include <string>

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

}  // namespace sluice::config
