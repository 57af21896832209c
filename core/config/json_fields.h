// json_fields.h: JsonFields, reading one JSON object into a config struct with an error
// that names the field for anything wrong, and rejecting fields it does not know.
//
//   JsonFields fields(json, "circuit_breaker");
//   fields.count("failure_threshold", config.failure_threshold);
//   fields.number("failure_rate_threshold_percent", config.failure_rate_threshold_percent);
//   fields.duration("wait_in_open", config.wait_in_open);
//   fields.choice("window_kind", config.window_kind, {{"count_based", kCountBased}, {"time_based", kTimeBased}});
//   SLUICE_RETURN_IF_ERROR(fields.finish());
//
// Absent fields keep the value they had (the default). The first error wins; later
// reads do nothing. finish() reports a field the object has that nothing read:
//   circuit_breaker: unknown field "failure_treshold"
// Never throws: types are checked before any value is read, so it is safe in a build
// without exceptions.
#ifndef SLUICE_CORE_CONFIG_JSON_FIELDS_H_
#define SLUICE_CORE_CONFIG_JSON_FIELDS_H_

#include <array>
#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/base/status.h"
#include "core/time/instant.h"

namespace sluice::config {

class JsonFields {
 public:
  // JsonFields: `where` prefixes every message, e.g. "circuit_breaker".
  JsonFields(const nlohmann::json& object, std::string where);

  void number(std::string_view key, double& out);
  void count(std::string_view key, std::uint32_t& out);
  void boolean(std::string_view key, bool& out);
  void duration(std::string_view key, time::Duration& out);
  void text(std::string_view key, std::string& out);
  void numbers(std::string_view key, std::vector<double>& out);

  // choice: one of a fixed set of names, e.g. {{"count_based", kCountBased}, ...}.
  template <typename E>
  void choice(std::string_view key, E& out, std::initializer_list<std::pair<std::string_view, E>> names) {
    choice_in(key, out, names);
  }
  template <typename E, std::size_t N>
  void choice(std::string_view key, E& out, const std::array<std::pair<std::string_view, E>, N>& names) {
    choice_in(key, out, names);
  }

  // object: the nested object at `key` (null when absent), for a nested JsonFields.
  const nlohmann::json* object(std::string_view key);

  // fail: records an error about `key` (if none was recorded before).
  void fail(std::string_view key, const std::string& rule, const nlohmann::json& value);
  // fail_with: records `status` as the error (if none was recorded before).
  void fail_with(const Status& status);

  // finish: the first error, or an unknown field, or OK.
  Status finish() const;
  // finish_allowing_unknown: the first error or OK; for messages, whose producers may
  // add fields this reader does not know yet.
  Status finish_allowing_unknown() const { return status_; }

  const std::string& where() const { return where_; }

 private:
  template <typename E, typename Names>
  void choice_in(std::string_view key, E& out, const Names& names) {
    const nlohmann::json* value = take(key);
    if (value == nullptr) return;
    if (value->is_string()) {
      for (const auto& [name, e] : names) {
        if (value->template get_ref<const std::string&>() == name) {
          out = e;
          return;
        }
      }
    }
    std::string allowed;
    for (const auto& [name, e] : names) allowed += (allowed.empty() ? "\"" : ", \"") + std::string(name) + "\"";
    fail(key, "must be one of " + allowed, *value);
  }

  // take: the value at `key` if present and no error yet; marks the key as read.
  const nlohmann::json* take(std::string_view key);

  const nlohmann::json& object_;
  std::string where_;
  std::set<std::string, std::less<>> read_;
  Status status_;
};

}  // namespace sluice::config

#endif  // SLUICE_CORE_CONFIG_JSON_FIELDS_H_
