// adaptive_concurrency_flag.h: --adaptive_concurrency, the load shedding every service's
// HTTP and gRPC servers apply (see AdaptiveLimiter): "on" (the default config), "off",
// or the limiter's config as JSON, e.g.
//   --adaptive_concurrency='{"max_limit": 200, "min_rtt_interval": "30s"}'
// Every service links this one definition; the stack passes its own value on to each.
#ifndef SLUICE_NATIVE_RUNTIME_ADAPTIVE_CONCURRENCY_FLAG_H_
#define SLUICE_NATIVE_RUNTIME_ADAPTIVE_CONCURRENCY_FLAG_H_

#include <optional>
#include <string>
#include <string_view>

#include "core/base/result.h"
#include "core/resilience/adaptive_limiter_config.h"

namespace sluice::native {

// parse_adaptive_concurrency: "on", "off" (nullopt) or a JSON config; an error names
// the flag and the field.
Result<std::optional<resilience::AdaptiveLimiterConfig>> parse_adaptive_concurrency(std::string_view text);

// adaptive_concurrency_from_flag: the flag, parsed.
Result<std::optional<resilience::AdaptiveLimiterConfig>> adaptive_concurrency_from_flag();

// adaptive_concurrency_flag_text: the flag as given, for a launcher to pass on.
std::string adaptive_concurrency_flag_text();

}  // namespace sluice::native

#endif  // SLUICE_NATIVE_RUNTIME_ADAPTIVE_CONCURRENCY_FLAG_H_
