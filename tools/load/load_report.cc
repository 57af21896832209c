#include "tools/load/load_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace sluice::load {

double LoadReport::percentile(double p) const {
  if (latencies_ms.empty()) return 0;
  const auto rank = static_cast<std::size_t>(std::ceil(p / 100 * static_cast<double>(latencies_ms.size())));
  return latencies_ms[std::clamp<std::size_t>(rank, 1, latencies_ms.size()) - 1];
}

std::string LoadReport::text() {
  std::sort(latencies_ms.begin(), latencies_ms.end());
  std::uint64_t sent = 0;
  for (const auto& [status, count] : statuses) sent += count;
  char line[256];
  std::string out;
  std::snprintf(line, sizeof(line), "orders sent      %llu in %.1f s (%.1f/s)\n", static_cast<unsigned long long>(sent),
                seconds, seconds > 0 ? static_cast<double>(sent) / seconds : 0.0);
  out += line;
  out += "answers         ";
  for (const auto& [status, count] : statuses) {
    std::snprintf(line, sizeof(line), " %s %llu", status == 0 ? "none" : std::to_string(status).c_str(),
                  static_cast<unsigned long long>(count));
    out += line;
  }
  out += "\n";
  std::snprintf(line, sizeof(line), "POST latency     p50 %.1f ms  p90 %.1f ms  p99 %.1f ms  max %.1f ms\n",
                percentile(50), percentile(90), percentile(99), latencies_ms.empty() ? 0.0 : latencies_ms.back());
  out += line;
  std::snprintf(line, sizeof(line),
                "sagas            %llu completed, %llu compensated, %llu failed (need attention), %llu unfinished\n",
                static_cast<unsigned long long>(completed), static_cast<unsigned long long>(compensated),
                static_cast<unsigned long long>(failed), static_cast<unsigned long long>(unfinished));
  out += line;
  std::snprintf(line, sizeof(line), "stock checks     %llu answered by the breaker's fallback\n",
                static_cast<unsigned long long>(fallback_stock_checks));
  out += line;
  return out;
}

std::string progress_bar(double elapsed, double total, std::uint64_t sent, int width) {
  elapsed = std::min(elapsed, total);  // sending stops at the end
  const double done = total > 0 ? std::clamp(elapsed / total, 0.0, 1.0) : 1.0;
  const int filled = static_cast<int>(std::lround(done * width));
  std::string bar = "[" + std::string(static_cast<std::size_t>(filled), '#') +
                    std::string(static_cast<std::size_t>(width - filled), '.') + "]";
  char text[128];
  std::snprintf(text, sizeof(text), " %5.1f s / %.0f s  %llu sent  %.1f/s", elapsed, total,
                static_cast<unsigned long long>(sent), elapsed > 0 ? static_cast<double>(sent) / elapsed : 0.0);
  return bar + text;
}

}  // namespace sluice::load
