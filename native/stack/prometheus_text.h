// prometheus_text.h: reading what services expose on /metrics (text format 0.0.4),
// for the stack's status table: samples, and per service the request and error
// counts, the latency histogram, the breaker states and the load-shedding limiters.
#ifndef SLUICE_NATIVE_STACK_PROMETHEUS_TEXT_H_
#define SLUICE_NATIVE_STACK_PROMETHEUS_TEXT_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::native {

struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

// parse_prometheus_text: every sample line; comments and malformed lines are skipped.
std::vector<Sample> parse_prometheus_text(std::string_view text);

// LimiterTotals: one adaptive concurrency limiter's numbers in a scrape.
struct LimiterTotals {
  double limit = 0;
  double in_flight = 0;
  double rejected = 0;  // since the service started
};

// ServiceTotals: one scrape, summed over the service's own routes (its /metrics,
// /healthz and /readyz are not counted: the stack's scraping would show there).
struct ServiceTotals {
  double requests = 0;
  double errors = 0;
  std::map<double, double> duration_buckets;                  // le -> cumulative count
  std::vector<std::pair<std::string, std::string>> breakers;  // name, state
  std::map<std::string, LimiterTotals> limiters;              // by the limiter's name
};

ServiceTotals totals_of(const std::vector<Sample>& samples);

// quantile_between: the q-quantile of request durations (seconds) between two
// scrapes, as the upper bound of the bucket it falls in; nullopt without requests.
std::optional<double> quantile_between(const ServiceTotals& before, const ServiceTotals& after, double q);

}  // namespace sluice::native

#endif  // SLUICE_NATIVE_STACK_PROMETHEUS_TEXT_H_
