#include "tools/load/load_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace sluice::load {
namespace {

std::uint64_t sent_of(const std::map<int, std::uint64_t>& statuses) {
  std::uint64_t sent = 0;
  for (const auto& [status, count] : statuses) sent += count;
  return sent;
}

// summary_line: "accepted         98   p50 50.0 ms  p90 ... max 100.0 ms".
std::string summary_line(const char* label, const std::vector<double>& sorted) {
  char line[256];
  if (sorted.empty()) {
    std::snprintf(line, sizeof(line), "%-16s 0\n", label);
  } else {
    std::snprintf(line, sizeof(line), "%-16s %-6zu p50 %.1f ms  p90 %.1f ms  p99 %.1f ms  max %.1f ms\n", label,
                  sorted.size(), percentile(sorted, 50), percentile(sorted, 90), percentile(sorted, 99),
                  sorted.back());
  }
  return line;
}

nlohmann::json summary_json(const std::vector<double>& sorted) {
  return {{"count", sorted.size()},
          {"p50_ms", percentile(sorted, 50)},
          {"p90_ms", percentile(sorted, 90)},
          {"p99_ms", percentile(sorted, 99)},
          {"max_ms", sorted.empty() ? 0.0 : sorted.back()}};
}

}  // namespace

AnswerKind kind_of_status(int status) {
  if (status >= 200 && status < 300) return AnswerKind::kAccepted;
  if (status == 503 || status == 429) return AnswerKind::kRefused;
  return AnswerKind::kOther;
}

double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto rank = static_cast<std::size_t>(std::ceil(p / 100 * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

void LoadReport::add_answer(int status, double latency_ms) {
  ++statuses[status];
  if (status == 0) return;
  switch (kind_of_status(status)) {
    case AnswerKind::kAccepted:
      accepted_ms.push_back(latency_ms);
      break;
    case AnswerKind::kRefused:
      refused_ms.push_back(latency_ms);
      break;
    case AnswerKind::kOther:
      other_ms.push_back(latency_ms);
      break;
  }
}

void LoadReport::sort_latencies() {
  for (std::vector<double>* latencies : {&accepted_ms, &refused_ms, &other_ms}) {
    std::sort(latencies->begin(), latencies->end());
  }
}

std::string LoadReport::text() {
  sort_latencies();
  const std::uint64_t sent = sent_of(statuses);
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
  out += summary_line("accepted (2xx)", accepted_ms);
  out += summary_line("refused (503)", refused_ms);
  if (!other_ms.empty()) out += summary_line("other answers", other_ms);
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

nlohmann::json LoadReport::json() {
  sort_latencies();
  nlohmann::json by_status = nlohmann::json::object();
  for (const auto& [status, count] : statuses) by_status[status == 0 ? "none" : std::to_string(status)] = count;
  const auto unanswered = statuses.count(0) ? statuses.at(0) : 0;
  return {{"offered_rate", offered_rate},
          {"seconds", seconds},
          {"sent", sent_of(statuses)},
          {"statuses", by_status},
          {"accepted", summary_json(accepted_ms)},
          {"refused", summary_json(refused_ms)},
          {"other", summary_json(other_ms)},
          {"unanswered", unanswered},
          {"sagas",
           {{"completed", completed}, {"compensated", compensated}, {"failed", failed}, {"unfinished", unfinished}}},
          {"fallback_stock_checks", fallback_stock_checks}};
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
