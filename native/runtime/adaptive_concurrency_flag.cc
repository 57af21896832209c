#include "native/runtime/adaptive_concurrency_flag.h"

#include <absl/flags/flag.h>

#include "core/config/parse_json.h"
#include "core/resilience/config_json.h"

ABSL_FLAG(std::string, adaptive_concurrency, "on",
          "Load shedding: on (learn the concurrency this service takes from its latency, answer 503 with "
          "Retry-After beyond it), off, or the limiter's config as JSON, e.g. "
          "'{\"max_limit\": 200, \"min_rtt_interval\": \"30s\"}'.");

namespace sluice::native {

Result<std::optional<resilience::AdaptiveLimiterConfig>> parse_adaptive_concurrency(std::string_view text) {
  using Config = std::optional<resilience::AdaptiveLimiterConfig>;
  if (text == "on") return Config(resilience::AdaptiveLimiterConfig{});
  if (text == "off") return Config();
  Result<nlohmann::json> json = config::parse_json(text);
  if (!json.ok()) {
    return Status::invalid_argument("--adaptive_concurrency must be on, off or a JSON object: " +
                                    json.status().message());
  }
  Result<resilience::AdaptiveLimiterConfig> config = resilience::adaptive_limiter_config_from_json(*json);
  if (!config.ok()) return Status::invalid_argument("--adaptive_concurrency: " + config.status().message());
  return Config(*config);
}

Result<std::optional<resilience::AdaptiveLimiterConfig>> adaptive_concurrency_from_flag() {
  return parse_adaptive_concurrency(absl::GetFlag(FLAGS_adaptive_concurrency));
}

std::string adaptive_concurrency_flag_text() { return absl::GetFlag(FLAGS_adaptive_concurrency); }

}  // namespace sluice::native
