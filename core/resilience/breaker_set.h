// breaker_set.h: BreakerSet, a circuit breaker per endpoint of a service, with a guard
// that never cuts off more than a set share of the endpoints at once (as Envoy's
// max_ejection_percent does for outlier ejection). Without it, a failure shared by
// every endpoint, say a bad deploy of a downstream dependency, would open every
// breaker and turn a partial outage into a total one.
//
//   BreakerSet breakers(config, /*max_open_percent=*/50, scheduler, &events);
//   CircuitBreaker& breaker = breakers.breaker("10.0.0.7:3000");  // made on first use
//   if (auto permit = breaker.try_acquire()) { ... }
//
// A breaker counts as cutting its endpoint off while OPEN, HALF_OPEN or FORCED_OPEN.
// A CLOSED breaker may trip only while fewer than max_open_percent of the set's
// endpoints are cut off; otherwise it stays closed and reports "breaker.trip_refused".
// Thread-safe. Two breakers tripping at the same instant may both pass the guard, so
// the share can be exceeded by one endpoint briefly (as Envoy says of its own limit).
#ifndef SLUICE_CORE_RESILIENCE_BREAKER_SET_H_
#define SLUICE_CORE_RESILIENCE_BREAKER_SET_H_

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "core/resilience/circuit_breaker.h"

namespace sluice::resilience {

class BreakerSet : private TripGuard {
 public:
  // REQUIRES: config.validate().ok(), 0 <= max_open_percent <= 100, and (with the
  // Clock constructor) on-next-call half-open transitions.
  BreakerSet(CircuitBreakerConfig config, double max_open_percent, const time::Clock& clock,
             observe::EventSink* events = nullptr);
  BreakerSet(CircuitBreakerConfig config, double max_open_percent, time::Scheduler& scheduler,
             observe::EventSink* events = nullptr);

  // breaker: the endpoint's breaker, named after it; made on first use. The reference
  // stays valid for the set's lifetime.
  CircuitBreaker& breaker(std::string_view endpoint);

  std::size_t size() const;
  // cut_off: endpoints whose breaker is OPEN, HALF_OPEN or FORCED_OPEN.
  std::size_t cut_off() const;

 private:
  bool may_trip(const CircuitBreaker& breaker) override;
  std::size_t cut_off_locked() const;

  const CircuitBreakerConfig config_;
  const double max_open_percent_;
  const time::Clock& clock_;
  time::Scheduler* scheduler_;
  observe::EventSink* events_;
  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<CircuitBreaker>, std::less<>> breakers_;
};

}  // namespace sluice::resilience

#endif  // SLUICE_CORE_RESILIENCE_BREAKER_SET_H_
