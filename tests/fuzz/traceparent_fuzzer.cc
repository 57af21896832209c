// traceparent and tracestate parsing never crashes, and what parses round-trips: a
// valid traceparent is written back as its version-00 form, which parses to the same.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/observe/trace_context.h"

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
  return 0;
}
