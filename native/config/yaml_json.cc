#include "native/config/yaml_json.h"

#include <yaml-cpp/yaml.h>

#include <regex>
#include <string>

namespace sluice::native {
namespace {

using nlohmann::json;

// YAML 1.2 core schema for plain (unquoted) scalars.
json plain_scalar(const std::string& text) {
  static const std::regex kNull("^(~|null|Null|NULL|)$");
  static const std::regex kBool("^(true|True|TRUE|false|False|FALSE)$");
  static const std::regex kInt("^[-+]?[0-9]+$");
  static const std::regex kFloat(R"(^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$)");
  if (std::regex_match(text, kNull)) return nullptr;
  if (std::regex_match(text, kBool)) return text[0] == 't' || text[0] == 'T';
  if (std::regex_match(text, kInt)) {
    try {
      return text[0] == '-' ? json(std::stoll(text)) : json(std::stoull(text[0] == '+' ? text.substr(1) : text));
    } catch (const std::out_of_range&) {
      return std::stod(text);
    }
  }
  if (std::regex_match(text, kFloat)) return std::stod(text);
  return text;
}

json convert(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nullptr;
    case YAML::NodeType::Scalar:
      // yaml-cpp tags plain scalars "?" and quoted ones "!".
      return node.Tag() == "!" ? json(node.Scalar()) : plain_scalar(node.Scalar());
    case YAML::NodeType::Sequence: {
      json array = json::array();
      for (const YAML::Node& item : node) array.push_back(convert(item));
      return array;
    }
    case YAML::NodeType::Map: {
      json object = json::object();
      for (const auto& entry : node) object[entry.first.as<std::string>()] = convert(entry.second);
      return object;
    }
  }
  return nullptr;
}

}  // namespace

Result<json> yaml_to_json(std::string_view text) {
  try {
    return convert(YAML::Load(std::string(text)));
  } catch (const YAML::Exception& error) {
    return Status::invalid_argument("malformed YAML: " + error.msg + " (line " + std::to_string(error.mark.line + 1) +
                                    ", column " + std::to_string(error.mark.column + 1) + ")");
  }
}

}  // namespace sluice::native
