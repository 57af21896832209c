#include "tools/load/fault_plan.h"

#include <cstdlib>

#include "core/base/duration_text.h"

namespace sluice::load {

Result<std::vector<FaultWindow>> parse_fault_plan(std::string_view text) {
  std::vector<FaultWindow> windows;
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    const std::string_view part = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    const auto bad = [&](std::string why) {
      return Status::invalid_argument("--faults: \"" + std::string(part) + "\": " + why +
                                      " (expected SERVICE:latency_ms=N@FROM-TO or SERVICE:error_rate=R@FROM-TO)");
    };
    const std::size_t colon = part.find(':');
    const std::size_t equals = part.find('=');
    const std::size_t at = part.find('@');
    const std::size_t dash = part.rfind('-');
    if (colon == std::string_view::npos || equals == std::string_view::npos || at == std::string_view::npos ||
        dash == std::string_view::npos || !(colon < equals && equals < at && at < dash)) {
      return bad("malformed");
    }
    FaultWindow window;
    window.service = std::string(part.substr(0, colon));
    window.setting = std::string(part.substr(colon + 1, equals - colon - 1));
    if (window.setting != "latency_ms" && window.setting != "error_rate") return bad("unknown setting");
    const std::string value(part.substr(equals + 1, at - equals - 1));
    char* end = nullptr;
    window.value = std::strtod(value.c_str(), &end);
    if (value.empty() || *end != '\0' || window.value < 0 || (window.setting == "error_rate" && window.value > 1) ||
        (window.setting == "latency_ms" && window.value > 60000)) {
      return bad("bad value \"" + value + "\"");
    }
    Result<time::Duration> from = parse_duration(part.substr(at + 1, dash - at - 1));
    Result<time::Duration> to = parse_duration(part.substr(dash + 1));
    if (!from.ok()) return bad(from.status().message());
    if (!to.ok()) return bad(to.status().message());
    if (*to <= *from) return bad("the window must end after it starts");
    window.from = *from;
    window.to = *to;
    windows.push_back(std::move(window));
  }
  return windows;
}

}  // namespace sluice::load
