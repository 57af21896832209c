#include "core/resilience/outlier_detector.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <string>

#include "core/base/check.h"
#include "core/base/format.h"

namespace sluice::resilience {
namespace {

using observe::Attribute;

bool is_percent(double value) { return value >= 0 && value <= 100; }

bool is_gateway_failure(int status) { return status == 502 || status == 503 || status == 504; }

}  // namespace

Status OutlierDetectionConfig::validate() const {
  const std::pair<const char*, double> percents[] = {
      {"max_ejection_percent", max_ejection_percent},
      {"enforcing_consecutive_5xx", enforcing_consecutive_5xx},
      {"enforcing_consecutive_gateway_failure", enforcing_consecutive_gateway_failure},
      {"enforcing_success_rate", enforcing_success_rate},
      {"enforcing_failure_percentage", enforcing_failure_percentage},
      {"failure_percentage_threshold", failure_percentage_threshold},
  };
  for (const auto& [name, value] : percents) {
    if (!is_percent(value)) {
      return Status::invalid_argument(std::string(name) + " must be from 0 to 100; got " + format_number(value));
    }
  }
  if (interval <= time::Duration::zero()) {
    return Status::invalid_argument("interval must be positive; got " + format_millis(interval));
  }
  if (base_ejection_time <= time::Duration::zero()) {
    return Status::invalid_argument("base_ejection_time must be positive; got " + format_millis(base_ejection_time));
  }
  if (max_ejection_time < base_ejection_time) {
    return Status::invalid_argument("max_ejection_time (" + format_millis(max_ejection_time) +
                                    ") cannot be shorter than base_ejection_time (" +
                                    format_millis(base_ejection_time) + ")");
  }
  return Status();
}

OutlierDetector::OutlierDetector(std::vector<std::string> endpoints, OutlierDetectionConfig config,
                                 time::Scheduler& scheduler, time::Prng prng, observe::EventSink* events)
    : config_(config), scheduler_(scheduler), prng_(prng), events_(events) {
  SLUICE_CHECK(config_.validate().ok());
  SLUICE_CHECK(!endpoints.empty());
  hosts_.resize(endpoints.size());
  for (std::size_t i = 0; i < endpoints.size(); ++i) hosts_[i].endpoint = std::move(endpoints[i]);
  rebuild_in_service();
  interval_timer_ = scheduler_.schedule_after(config_.interval, [this] { on_interval(); });
}

OutlierDetector::~OutlierDetector() { scheduler_.cancel(interval_timer_); }

void OutlierDetector::record(std::size_t host_index, int http_status) {
  SLUICE_CHECK(host_index < hosts_.size());
  Host& host = hosts_[host_index];
  ++host.requests;
  if (http_status < 500) {
    ++host.successes;
    host.consecutive_5xx = 0;
    host.consecutive_gateway_failures = 0;
    return;
  }
  ++host.consecutive_5xx;
  host.consecutive_gateway_failures = is_gateway_failure(http_status) ? host.consecutive_gateway_failures + 1 : 0;
  if (host.ejected) return;
  // The gateway detector is checked first, as Envoy does, so it gets the credit when
  // both would fire.
  if (config_.consecutive_gateway_failure > 0 &&
      host.consecutive_gateway_failures >= config_.consecutive_gateway_failure) {
    try_eject(host_index, config_.enforcing_consecutive_gateway_failure, "consecutive_gateway_failure",
              counters_.ejections_consecutive_gateway_failure);
  }
  if (!host.ejected && config_.consecutive_5xx > 0 && host.consecutive_5xx >= config_.consecutive_5xx) {
    try_eject(host_index, config_.enforcing_consecutive_5xx, "consecutive_5xx", counters_.ejections_consecutive_5xx);
  }
}

bool OutlierDetector::under_ejection_cap() const {
  // Envoy: no new ejection once the ejected share reaches the maximum.
  return 100.0 * static_cast<double>(ejected_count_) / static_cast<double>(hosts_.size()) <
         config_.max_ejection_percent;
}

void OutlierDetector::try_eject(std::size_t host_index, double enforcing_percent, std::string_view detector,
                                std::uint64_t& counter) {
  Host& host = hosts_[host_index];
  if (host.ejected) return;
  if (!under_ejection_cap()) {
    ++counters_.ejections_overflow;
    return;
  }
  if (!prng_.chance(enforcing_percent / 100.0)) return;
  host.ejected = true;
  host.ejected_at = scheduler_.now();
  ++host.ejections;
  host.consecutive_5xx = 0;
  host.consecutive_gateway_failures = 0;
  ++ejected_count_;
  rebuild_in_service();
  ++counter;
  const std::array<Attribute, 3> attributes = {{
      {"host", std::string_view(host.endpoint)},
      {"detector", detector},
      {"ejections", std::int64_t{host.ejections}},
  }};
  report("outlier.ejected", attributes);
}

void OutlierDetector::on_interval() {
  const time::Instant now = scheduler_.now();
  // Hosts whose time is up return; hosts that stayed in for the interval are forgiven
  // one earlier ejection.
  const std::size_t ejected_before = ejected_count_;
  for (Host& host : hosts_) {
    if (!host.ejected) {
      if (host.ejections > 0) --host.ejections;
      continue;
    }
    const time::Duration ejected_for = std::min(config_.base_ejection_time * host.ejections, config_.max_ejection_time);
    if (now - host.ejected_at >= ejected_for) {
      host.ejected = false;
      --ejected_count_;
      const std::array<Attribute, 1> attributes = {{{"host", std::string_view(host.endpoint)}}};
      report("outlier.returned", attributes);
    }
  }
  if (ejected_count_ != ejected_before) rebuild_in_service();
  success_rate_detection();
  failure_percentage_detection();
  for (Host& host : hosts_) host.requests = host.successes = 0;
  interval_timer_ = scheduler_.schedule_after(config_.interval, [this] { on_interval(); });
}

void OutlierDetector::success_rate_detection() {
  if (config_.enforcing_success_rate == 0) return;
  std::vector<std::pair<std::size_t, double>> rates;
  for (std::size_t i = 0; i < hosts_.size(); ++i) {
    const Host& host = hosts_[i];
    if (!host.ejected && host.requests >= config_.success_rate_request_volume) {
      rates.emplace_back(i, 100.0 * static_cast<double>(host.successes) / static_cast<double>(host.requests));
    }
  }
  if (rates.empty() || rates.size() < config_.success_rate_minimum_hosts) return;
  double mean = 0;
  for (const auto& [host, rate] : rates) mean += rate;
  mean /= static_cast<double>(rates.size());
  double variance = 0;
  for (const auto& [host, rate] : rates) variance += (rate - mean) * (rate - mean);
  variance /= static_cast<double>(rates.size());
  // sqrt is exactly rounded in IEEE 754, so the threshold is the same on every build.
  const double threshold = mean - (config_.success_rate_stdev_factor / 1000.0) * std::sqrt(variance);
  for (const auto& [host, rate] : rates) {
    if (rate < threshold) {
      try_eject(host, config_.enforcing_success_rate, "success_rate", counters_.ejections_success_rate);
    }
  }
}

void OutlierDetector::failure_percentage_detection() {
  if (config_.enforcing_failure_percentage == 0) return;
  std::vector<std::size_t> eligible;
  for (std::size_t i = 0; i < hosts_.size(); ++i) {
    if (!hosts_[i].ejected && hosts_[i].requests >= config_.failure_percentage_request_volume) eligible.push_back(i);
  }
  if (eligible.empty() || eligible.size() < config_.failure_percentage_minimum_hosts) return;
  for (std::size_t i : eligible) {
    const Host& host = hosts_[i];
    const double failure_percent =
        100.0 * static_cast<double>(host.requests - host.successes) / static_cast<double>(host.requests);
    if (failure_percent >= config_.failure_percentage_threshold) {
      try_eject(i, config_.enforcing_failure_percentage, "failure_percentage", counters_.ejections_failure_percentage);
    }
  }
}

void OutlierDetector::rebuild_in_service() {
  in_service_.clear();
  for (std::size_t i = 0; i < hosts_.size(); ++i) {
    if (!hosts_[i].ejected) in_service_.push_back(i);
  }
}

std::size_t OutlierDetector::pick_round_robin() {
  if (in_service_.empty()) {  // panic: every host, in turn
    ++counters_.panic_picks;
    return next_round_robin_++ % hosts_.size();
  }
  return in_service_[next_round_robin_++ % in_service_.size()];
}

std::size_t OutlierDetector::pick_least_request() {
  const bool panic = in_service_.empty();
  if (panic) ++counters_.panic_picks;
  const std::size_t pool = panic ? hosts_.size() : in_service_.size();
  auto host_at = [&](std::uint64_t i) { return panic ? static_cast<std::size_t>(i) : in_service_[i]; };
  const std::size_t a = host_at(prng_.uniform_below(pool));
  const std::size_t b = host_at(prng_.uniform_below(pool));
  return hosts_[b].in_flight < hosts_[a].in_flight ? b : a;
}

void OutlierDetector::request_started(std::size_t host) { ++hosts_[host].in_flight; }

void OutlierDetector::request_finished(std::size_t host) {
  SLUICE_CHECK(hosts_[host].in_flight > 0);
  --hosts_[host].in_flight;
}

OutlierStats OutlierDetector::stats() const {
  OutlierStats stats = counters_;
  stats.ejected_now = static_cast<std::uint32_t>(ejected_count_);
  return stats;
}

void OutlierDetector::report(std::string_view what, std::span<const Attribute> attributes) {
  if (events_ == nullptr) return;
  events_->on_event(observe::Event{what, "outlier_detector", scheduler_.now(), {}, attributes});
}

}  // namespace sluice::resilience
