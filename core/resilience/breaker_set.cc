#include "core/resilience/breaker_set.h"

#include "core/base/check.h"

namespace sluice::resilience {

BreakerSet::BreakerSet(CircuitBreakerConfig config, double max_open_percent, const time::Clock& clock,
                       observe::EventSink* events)
    : config_(std::move(config)),
      max_open_percent_(max_open_percent),
      clock_(clock),
      scheduler_(nullptr),
      events_(events) {
  SLUICE_CHECK(config_.validate().ok());
  SLUICE_CHECK(max_open_percent >= 0 && max_open_percent <= 100);
}

BreakerSet::BreakerSet(CircuitBreakerConfig config, double max_open_percent, time::Scheduler& scheduler,
                       observe::EventSink* events)
    : config_(std::move(config)),
      max_open_percent_(max_open_percent),
      clock_(scheduler),
      scheduler_(&scheduler),
      events_(events) {
  SLUICE_CHECK(config_.validate().ok());
  SLUICE_CHECK(max_open_percent >= 0 && max_open_percent <= 100);
}

CircuitBreaker& BreakerSet::breaker(std::string_view endpoint) {
  std::lock_guard lock(mutex_);
  auto it = breakers_.find(endpoint);
  if (it == breakers_.end()) {
    TripGuard* guard = this;  // the base is private: converted here, where it is visible
    auto made = scheduler_ != nullptr
                    ? std::make_unique<CircuitBreaker>(std::string(endpoint), config_, *scheduler_, events_, guard)
                    : std::make_unique<CircuitBreaker>(std::string(endpoint), config_, clock_, events_, guard);
    it = breakers_.emplace(std::string(endpoint), std::move(made)).first;
  }
  return *it->second;
}

std::size_t BreakerSet::size() const {
  std::lock_guard lock(mutex_);
  return breakers_.size();
}

std::size_t BreakerSet::cut_off() const {
  std::lock_guard lock(mutex_);
  return cut_off_locked();
}

std::size_t BreakerSet::cut_off_locked() const {
  std::size_t count = 0;
  for (const auto& [endpoint, breaker] : breakers_) {
    const BreakerState state = breaker->state();
    count += state == BreakerState::kOpen || state == BreakerState::kHalfOpen || state == BreakerState::kForcedOpen;
  }
  return count;
}

bool BreakerSet::may_trip(const CircuitBreaker& /*breaker*/) {
  std::lock_guard lock(mutex_);
  return 100.0 * static_cast<double>(cut_off_locked()) / static_cast<double>(breakers_.size()) < max_open_percent_;
}

}  // namespace sluice::resilience
