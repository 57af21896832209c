#include "native/stack/prometheus_text.h"

#include <cmath>
#include <cstdlib>

namespace sluice::native {
namespace {

bool is_own_route(const std::map<std::string, std::string>& labels) {
  const auto route = labels.find("route");
  return route != labels.end() &&
         (route->second == "/metrics" || route->second == "/healthz" || route->second == "/readyz");
}

}  // namespace

std::vector<Sample> parse_prometheus_text(std::string_view text) {
  std::vector<Sample> samples;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (line.empty() || line[0] == '#') continue;
    Sample sample;
    std::size_t at = line.find_first_of("{ ");
    if (at == std::string_view::npos) continue;
    sample.name = std::string(line.substr(0, at));
    if (line[at] == '{') {
      const std::size_t close = line.find('}', at);
      if (close == std::string_view::npos) continue;
      std::string_view labels = line.substr(at + 1, close - at - 1);
      while (!labels.empty()) {
        const std::size_t eq = labels.find("=\"");
        if (eq == std::string_view::npos) break;
        const std::size_t quote = labels.find('"', eq + 2);  // our label values have no escaped quotes
        if (quote == std::string_view::npos) break;
        sample.labels[std::string(labels.substr(0, eq))] = std::string(labels.substr(eq + 2, quote - eq - 2));
        labels = labels.substr(std::min(labels.size(), quote + 2));  // past '",'
      }
      at = close + 1;
    }
    const std::string value(line.substr(at));
    char* parsed_end = nullptr;
    sample.value = std::strtod(value.c_str(), &parsed_end);
    if (parsed_end == value.c_str()) continue;
    samples.push_back(std::move(sample));
  }
  return samples;
}

ServiceTotals totals_of(const std::vector<Sample>& samples) {
  ServiceTotals totals;
  for (const Sample& s : samples) {
    if (s.name == "circuit_breaker_state" && s.value == 1) {
      totals.breakers.emplace_back(s.labels.count("name") ? s.labels.at("name") : "",
                                   s.labels.count("state") ? s.labels.at("state") : "");
    }
    if (s.name.starts_with("adaptive_concurrency_") && s.labels.count("name")) {
      LimiterTotals& limiter = totals.limiters[s.labels.at("name")];
      if (s.name == "adaptive_concurrency_limit") limiter.limit = s.value;
      if (s.name == "adaptive_concurrency_in_flight") limiter.in_flight = s.value;
      if (s.name == "adaptive_concurrency_rejected_total") limiter.rejected = s.value;
    }
    if (is_own_route(s.labels)) continue;
    if (s.name == "http_requests_total") totals.requests += s.value;
    if (s.name == "http_request_errors_total") totals.errors += s.value;
    if (s.name == "http_request_duration_seconds_bucket" && s.labels.count("le")) {
      const std::string& le = s.labels.at("le");
      totals.duration_buckets[le == "+Inf" ? INFINITY : std::strtod(le.c_str(), nullptr)] += s.value;
    }
  }
  return totals;
}

std::optional<double> quantile_between(const ServiceTotals& before, const ServiceTotals& after, double q) {
  if (after.duration_buckets.empty()) return std::nullopt;
  const auto delta = [&](double le) {
    const auto was = before.duration_buckets.find(le);
    return after.duration_buckets.at(le) - (was == before.duration_buckets.end() ? 0 : was->second);
  };
  const double count = delta(after.duration_buckets.rbegin()->first);
  if (count <= 0) return std::nullopt;
  for (const auto& [le, cumulative] : after.duration_buckets) {
    if (delta(le) >= q * count) return le;
  }
  return after.duration_buckets.rbegin()->first;
}

}  // namespace sluice::native
