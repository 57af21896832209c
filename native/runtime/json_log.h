// json_log.h: JsonLog, a service's structured log: one JSON object per line on stderr
// (through spdlog), with timestamp, level, service, traceId, spanId, action,
// duration_ms and the event's own fields:
//
//   {"timestamp":"2026-11-24T06:40:01.123Z","level":"info","service":"inventory",
//    "traceId":"4bf9...","spanId":"00f0...","action":"http.request","duration_ms":1.2,
//    "method":"GET","route":"/api/inventory/:productId","status":200}
//
// Spans go through the same log as lines with "action":"span" and an OTLP-JSON-shaped
// "span" object, so a collector can take them later.
#ifndef SLUICE_NATIVE_RUNTIME_JSON_LOG_H_
#define SLUICE_NATIVE_RUNTIME_JSON_LOG_H_

#include <spdlog/spdlog.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/base/result.h"
#include "core/observe/trace_context.h"

namespace sluice::native {

// SpanRecord: one finished span.
struct SpanRecord {
  std::string name;  // e.g. "GET /api/inventory/:productId"
  observe::TraceContext context;
  std::string parent_span_id;  // hex; empty for a root span
  std::string kind = "SPAN_KIND_SERVER";
  std::chrono::system_clock::time_point start;
  std::chrono::system_clock::time_point end;
  bool error = false;
  nlohmann::json attributes = nlohmann::json::object();  // string, number or bool values
};

class JsonLog {
 public:
  // JsonLog: lines go to `sink` (stderr if null); below `level` nothing is written.
  JsonLog(std::string service, spdlog::level::level_enum level, spdlog::sink_ptr sink = nullptr);

  // parse_level: "trace", "debug", "info", "warn", "error", "critical" or "off".
  static Result<spdlog::level::level_enum> parse_level(std::string_view name);

  void log(spdlog::level::level_enum level, std::string_view action, const observe::TraceContext* trace,
           std::optional<double> duration_ms, const nlohmann::json& fields = nlohmann::json::object());
  void span(const SpanRecord& span);

  // line: the JSON line log() would write, for tests and other sinks.
  std::string line(spdlog::level::level_enum level, std::string_view action, const observe::TraceContext* trace,
                   std::optional<double> duration_ms, const nlohmann::json& fields) const;
  static nlohmann::json span_json(const SpanRecord& span, std::string_view service);

  const std::string& service() const { return service_; }

 private:
  std::string service_;
  std::shared_ptr<spdlog::logger> logger_;
};

}  // namespace sluice::native

#endif  // SLUICE_NATIVE_RUNTIME_JSON_LOG_H_
