// Trace context reading never crashes, and what it keeps is stable. The input is the
// traceparent values and, after a line "--", the tracestate values, one a line.
// - A valid traceparent is written back as its version-00 form, which parses to the same.
// - A tracestate that read_trace_context keeps is already in its written-back form.
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "core/observe/trace_context.h"

namespace {

using sluice::observe::TraceHeaders;

TraceHeaders split(std::string_view text) {
  TraceHeaders headers;
  bool state = false;
  while (!text.empty()) {
    const std::size_t newline = text.find('\n');
    const std::string_view line = text.substr(0, newline);
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    if (line == "--") {
      state = true;
      continue;
    }
    (state ? headers.tracestate : headers.traceparent).push_back(line);
  }
  return headers;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  sluice::Result<sluice::observe::TraceContext> parsed = sluice::observe::parse_traceparent(text);
  if (parsed.ok()) {
    sluice::Result<sluice::observe::TraceContext> again = sluice::observe::parse_traceparent(parsed->traceparent());
    if (!again.ok() || again->trace_id != parsed->trace_id || again->span_id != parsed->span_id ||
        again->flags != parsed->flags) {
      std::abort();
    }
  }
  static_cast<void>(sluice::observe::parse_tracestate(text));
  sluice::Result<sluice::observe::TraceContext> read = sluice::observe::read_trace_context(split(text));
  if (read.ok()) {
    const auto members = sluice::observe::parse_tracestate(read->tracestate);
    if (!members.ok() || sluice::observe::format_tracestate(*members) != read->tracestate) std::abort();
    if (!sluice::observe::parse_traceparent(read->traceparent()).ok()) std::abort();
  }
  return 0;
}
