#include "core/config/json_fields.h"

#include <cmath>
#include <limits>

#include "core/base/duration_text.h"

namespace sluice::config {

using nlohmann::json;

JsonFields::JsonFields(const json& object, std::string where) : object_(object), where_(std::move(where)) {
  if (!object_.is_object()) {
    status_ = Status::invalid_argument(where_ + " must be a JSON object; got " + object_.dump());
  }
}

const json* JsonFields::take(std::string_view key) {
  if (!status_.ok()) return nullptr;
  read_.emplace(key);
  const auto it = object_.find(key);
  return it == object_.end() ? nullptr : &*it;
}

void JsonFields::fail(std::string_view key, const std::string& rule, const json& value) {
  if (!status_.ok()) return;
  // The value as the reader sent it, clipped: it may be a 256 KiB string.
  std::string shown = value.dump(-1, ' ', false, json::error_handler_t::replace);
  if (shown.size() > 80) shown = shown.substr(0, 77) + "...";
  status_ = Status::invalid_argument(where_ + "." + std::string(key) + " " + rule + "; got " + shown);
}

void JsonFields::fail_with(const Status& status) {
  if (status_.ok()) status_ = status;
}

void JsonFields::number(std::string_view key, double& out) {
  const json* value = take(key);
  if (value == nullptr) return;
  if (!value->is_number()) return fail(key, "must be a number", *value);
  out = value->get<double>();
}

void JsonFields::count(std::string_view key, std::uint32_t& out) {
  const json* value = take(key);
  if (value == nullptr) return;
  const bool whole = value->is_number_unsigned() || (value->is_number_integer() && value->get<std::int64_t>() >= 0) ||
                     (value->is_number_float() && value->get<double>() >= 0 &&
                      std::floor(value->get<double>()) == value->get<double>());
  if (!whole) return fail(key, "must be a whole number >= 0", *value);
  const double as_double = value->get<double>();
  if (as_double > std::numeric_limits<std::uint32_t>::max()) return fail(key, "must be at most 4294967295", *value);
  out = static_cast<std::uint32_t>(as_double);
}

void JsonFields::boolean(std::string_view key, bool& out) {
  const json* value = take(key);
  if (value == nullptr) return;
  if (!value->is_boolean()) return fail(key, "must be true or false", *value);
  out = value->get<bool>();
}

void JsonFields::duration(std::string_view key, time::Duration& out) {
  const json* value = take(key);
  if (value == nullptr) return;
  if (!value->is_string()) return fail(key, "must be a duration string such as \"30s\" or \"250ms\"", *value);
  Result<time::Duration> parsed = parse_duration(value->get_ref<const std::string&>());
  if (!parsed.ok()) {
    return fail_with(Status::invalid_argument(where_ + "." + std::string(key) + ": " + parsed.status().message()));
  }
  out = *parsed;
}

void JsonFields::text(std::string_view key, std::string& out) {
  const json* value = take(key);
  if (value == nullptr) return;
  if (!value->is_string()) return fail(key, "must be a string", *value);
  out = value->get<std::string>();
}

void JsonFields::numbers(std::string_view key, std::vector<double>& out) {
  const json* value = take(key);
  if (value == nullptr) return;
  std::vector<double> numbers;
  if (value->is_array()) {
    for (const json& item : *value) {
      if (!item.is_number()) return fail(key, "must be an array of numbers", *value);
      numbers.push_back(item.get<double>());
    }
  } else {
    return fail(key, "must be an array of numbers", *value);
  }
  out = std::move(numbers);
}

const json* JsonFields::object(std::string_view key) { return take(key); }

Status JsonFields::finish() const {
  if (!status_.ok()) return status_;
  for (const auto& [key, value] : object_.items()) {
    if (!read_.contains(key)) return Status::invalid_argument(where_ + ": unknown field \"" + key + "\"");
  }
  return Status();
}

}  // namespace sluice::config
