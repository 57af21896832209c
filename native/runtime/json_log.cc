#include "native/runtime/json_log.h"

#include <spdlog/sinks/stdout_sinks.h>

#include <cstdio>
#include <ctime>

namespace sluice::native {
namespace {

using nlohmann::json;

std::string iso8601_utc(std::chrono::system_clock::time_point at) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(at);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count() % 1000;
  char text[80];
  std::snprintf(text, sizeof(text), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900, utc.tm_mon + 1,
                utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<int>(millis));
  return text;
}

std::string unix_nanos(std::chrono::system_clock::time_point at) {
  return std::to_string(std::chrono::duration_cast<std::chrono::nanoseconds>(at.time_since_epoch()).count());
}

json otlp_value(const json& value) {
  if (value.is_boolean()) return {{"boolValue", value}};
  if (value.is_number_integer()) return {{"intValue", std::to_string(value.get<std::int64_t>())}};
  if (value.is_number()) return {{"doubleValue", value}};
  if (value.is_string()) return {{"stringValue", value}};
  return {{"stringValue", value.dump(-1, ' ', false, json::error_handler_t::replace)}};
}

}  // namespace

JsonLog::JsonLog(std::string service, spdlog::level::level_enum level, spdlog::sink_ptr sink)
    : service_(std::move(service)) {
  if (sink == nullptr) sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  logger_ = std::make_shared<spdlog::logger>(service_, std::move(sink));
  logger_->set_pattern("%v");  // the line is already JSON
  logger_->set_level(level);
  logger_->flush_on(spdlog::level::trace);
}

Result<spdlog::level::level_enum> JsonLog::parse_level(std::string_view name) {
  static constexpr std::pair<std::string_view, spdlog::level::level_enum> kLevels[] = {
      {"trace", spdlog::level::trace},       {"debug", spdlog::level::debug},  {"info", spdlog::level::info},
      {"warn", spdlog::level::warn},         {"warning", spdlog::level::warn}, {"error", spdlog::level::err},
      {"critical", spdlog::level::critical}, {"off", spdlog::level::off}};
  for (const auto& [text, level] : kLevels) {
    if (text == name) return level;
  }
  return Status::invalid_argument("log level must be trace, debug, info, warn, error, critical or off; got \"" +
                                  std::string(name) + "\"");
}

std::string JsonLog::line(spdlog::level::level_enum level, std::string_view action, const observe::TraceContext* trace,
                          std::optional<double> duration_ms, const json& fields) const {
  static constexpr std::string_view kNames[] = {"trace", "debug", "info", "warn", "error", "critical", "off"};
  json out = {{"timestamp", iso8601_utc(std::chrono::system_clock::now())},
              {"level", kNames[static_cast<int>(level)]},
              {"service", service_}};
  if (trace != nullptr) {
    out["traceId"] = trace->trace_id_hex();
    out["spanId"] = trace->span_id_hex();
  }
  out["action"] = action;
  if (duration_ms) out["duration_ms"] = *duration_ms;
  if (fields.is_object()) {
    for (const auto& [key, value] : fields.items()) {
      if (!out.contains(key)) out[key] = value;  // the standard fields win
    }
  }
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

void JsonLog::log(spdlog::level::level_enum level, std::string_view action, const observe::TraceContext* trace,
                  std::optional<double> duration_ms, const json& fields) {
  if (!logger_->should_log(level)) return;
  logger_->log(level, line(level, action, trace, duration_ms, fields));
}

json JsonLog::span_json(const SpanRecord& span, std::string_view service) {
  json attributes = json::array();
  for (const auto& [key, value] : span.attributes.items())
    attributes.push_back({{"key", key}, {"value", otlp_value(value)}});
  json out = {{"traceId", span.context.trace_id_hex()},
              {"spanId", span.context.span_id_hex()},
              {"name", span.name},
              {"kind", span.kind},
              {"startTimeUnixNano", unix_nanos(span.start)},
              {"endTimeUnixNano", unix_nanos(span.end)},
              {"status", {{"code", span.error ? "STATUS_CODE_ERROR" : "STATUS_CODE_UNSET"}}},
              {"attributes", attributes},
              {"resource", {{"service.name", service}}}};
  if (!span.parent_span_id.empty()) out["parentSpanId"] = span.parent_span_id;
  if (!span.context.tracestate.empty()) out["traceState"] = span.context.tracestate;  // OTLP's name for it
  return out;
}

void JsonLog::span(const SpanRecord& span) {
  const double duration_ms = std::chrono::duration<double, std::milli>(span.end - span.start).count();
  log(spdlog::level::info, "span", &span.context, duration_ms, {{"span", span_json(span, service_)}});
}

}  // namespace sluice::native
