// Istio DestinationRule JSON mapping never crashes on any JSON, and what it accepts is
// a set of policies with valid configs.
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string_view>

#include "core/resilience/destination_rule.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const nlohmann::json rule =
      nlohmann::json::parse(reinterpret_cast<const char*>(data), reinterpret_cast<const char*>(data) + size, nullptr,
                            false);
  if (rule.is_discarded()) return 0;
  static_cast<void>(sluice::resilience::policies_from_destination_rule(rule));
  return 0;
}
