#include "core/resilience/circuit_breaker.h"

#include <algorithm>
#include <array>

#include "core/base/check.h"

namespace sluice::resilience {

using observe::Attribute;

std::string_view to_string(BreakerState state) {
  switch (state) {
    case BreakerState::kClosed: return "CLOSED";
    case BreakerState::kOpen: return "OPEN";
    case BreakerState::kHalfOpen: return "HALF_OPEN";
    case BreakerState::kDisabled: return "DISABLED";
    case BreakerState::kMetricsOnly: return "METRICS_ONLY";
    case BreakerState::kForcedOpen: return "FORCED_OPEN";
  }
  return "UNKNOWN";
}

// ---- Permit

CircuitBreaker::Permit& CircuitBreaker::Permit::operator=(Permit&& other) noexcept {
  if (this != &other) {
    if (breaker_ != nullptr) record(Outcome::kIgnored);  // the permit it held is dropped
    breaker_ = std::exchange(other.breaker_, nullptr);
    started_ = other.started_;
    epoch_ = other.epoch_;
  }
  return *this;
}

CircuitBreaker::Permit::~Permit() {
  if (breaker_ != nullptr) record(Outcome::kIgnored);
}

void CircuitBreaker::Permit::record(Outcome outcome) {
  SLUICE_CHECK(breaker_ != nullptr);  // a rejected permit, or one already recorded
  record(outcome, breaker_->clock_.now() - started_);
}

void CircuitBreaker::Permit::record(Outcome outcome, time::Duration duration) {
  SLUICE_CHECK(breaker_ != nullptr);
  std::exchange(breaker_, nullptr)->on_record(epoch_, outcome, duration);
}

// ---- CircuitBreaker

CircuitBreaker::CircuitBreaker(std::string name, CircuitBreakerConfig config, const time::Clock& clock,
                               observe::EventSink* events)
    : name_(std::move(name)),
      config_(config),
      clock_(clock),
      scheduler_(nullptr),
      events_(events),
      state_entered_at_(clock.now()),
      window_(config.window_kind, std::max<std::uint32_t>(config.window_size, 1)) {
  SLUICE_CHECK(config_.validate().ok());
  SLUICE_CHECK(config_.half_open_transition == HalfOpenTransition::kOnNextCall);
}

CircuitBreaker::CircuitBreaker(std::string name, CircuitBreakerConfig config, time::Scheduler& scheduler,
                               observe::EventSink* events)
    : name_(std::move(name)),
      config_(config),
      clock_(scheduler),
      scheduler_(&scheduler),
      events_(events),
      state_entered_at_(scheduler.now()),
      window_(config.window_kind, std::max<std::uint32_t>(config.window_size, 1)) {
  SLUICE_CHECK(config_.validate().ok());
}

CircuitBreaker::~CircuitBreaker() { cancel_timers(); }

CircuitBreaker::Permit CircuitBreaker::try_acquire() {
  const time::Instant now = clock_.now();
  switch (state_) {
    case BreakerState::kClosed:
    case BreakerState::kDisabled:
    case BreakerState::kMetricsOnly:
      return admit();
    case BreakerState::kForcedOpen:
      return reject();
    case BreakerState::kOpen:
      if (!wait_in_open_is_over(now)) return reject();
      transition(BreakerState::kHalfOpen, "wait_over");
      break;
    case BreakerState::kHalfOpen:
      if (half_open_wait_exceeded(now)) {
        enter_open("half_open_timeout");
        return reject();
      }
      break;
  }
  if (probes_admitted_ >= config_.permitted_calls_in_half_open) return reject();
  ++probes_admitted_;
  return admit();
}

CircuitBreaker::Permit CircuitBreaker::admit() { return Permit(this, clock_.now(), epoch_); }

CircuitBreaker::Permit CircuitBreaker::reject() {
  ++counters_.calls_rejected;
  const std::array<Attribute, 1> attributes = {{{"state", to_string(state_)}}};
  report("breaker.call_rejected", attributes);
  return Permit();
}

bool CircuitBreaker::wait_in_open_is_over(time::Instant now) const {
  const time::Duration elapsed = now - state_entered_at_;
  // On the next call: strictly after the wait, as the article's class does. Scheduled:
  // at the end of the wait, when the timer is due (checked here too in case the driver
  // runs the timer late).
  return config_.half_open_transition == HalfOpenTransition::kOnNextCall ? elapsed > current_wait_in_open_
                                                                          : elapsed >= current_wait_in_open_;
}

bool CircuitBreaker::half_open_wait_exceeded(time::Instant now) const {
  return config_.max_wait_in_half_open > time::Duration::zero() &&
         now - state_entered_at_ >= config_.max_wait_in_half_open;
}

void CircuitBreaker::on_record(std::uint64_t epoch, Outcome outcome, time::Duration duration) {
  const bool slow = outcome != Outcome::kIgnored && config_.slow_call_duration_threshold > time::Duration::zero() &&
                    duration > config_.slow_call_duration_threshold;
  report_outcome(outcome, slow, duration);
  if (epoch != epoch_) return;  // issued in an earlier state: counted, but moves nothing
  switch (state_) {
    case BreakerState::kClosed:
      on_record_closed(outcome, slow);
      break;
    case BreakerState::kHalfOpen:
      on_record_half_open(outcome, slow);
      break;
    case BreakerState::kMetricsOnly:
      if (outcome != Outcome::kIgnored) window_.record(clock_.now(), outcome == Outcome::kFailure, slow);
      break;
    case BreakerState::kOpen:
    case BreakerState::kForcedOpen:
    case BreakerState::kDisabled:
      break;
  }
}

void CircuitBreaker::on_record_closed(Outcome outcome, bool slow) {
  if (outcome == Outcome::kIgnored) return;
  const bool failure = outcome == Outcome::kFailure;
  window_.record(clock_.now(), failure, slow);
  if (failure) {
    ++failure_count_;
  } else if (config_.failure_counting == FailureCounting::kConsecutive) {
    failure_count_ = 0;
  }
  if (const char* reason = trip_reason()) enter_open(reason);
}

void CircuitBreaker::on_record_half_open(Outcome outcome, bool slow) {
  if (outcome == Outcome::kIgnored) {
    --probes_admitted_;  // the slot goes to the next call
    return;
  }
  if (outcome == Outcome::kFailure || slow) {
    enter_open(outcome == Outcome::kFailure ? "probe_failed" : "probe_slow");
    return;
  }
  if (++probes_succeeded_ == config_.permitted_calls_in_half_open) {
    transition(BreakerState::kClosed, "probes_succeeded");
  }
}

const char* CircuitBreaker::trip_reason() const {
  if (config_.failure_threshold > 0 && failure_count_ >= config_.failure_threshold) {
    return config_.failure_counting == FailureCounting::kConsecutive ? "consecutive_failures"
                                                                     : "failures_since_closed";
  }
  const WindowTotals totals = window_.totals(clock_.now());
  if (totals.calls == 0 || totals.calls < config_.minimum_calls) return nullptr;
  if (config_.failure_rate_threshold_percent > 0 &&
      totals.failure_rate_percent() >= config_.failure_rate_threshold_percent) {
    return "failure_rate";
  }
  if (config_.slow_call_rate_threshold_percent > 0 &&
      totals.slow_rate_percent() >= config_.slow_call_rate_threshold_percent) {
    return "slow_call_rate";
  }
  return nullptr;
}

void CircuitBreaker::enter_open(std::string_view reason) {
  ++trips_since_closed_;
  if (trips_since_closed_ == 1) {
    current_wait_in_open_ = config_.wait_in_open;
  } else if (config_.open_backoff_multiplier > 1) {
    // Repeated multiplication rather than pow(): exactly rounded, so identical natively
    // and in WebAssembly.
    const double next = static_cast<double>(current_wait_in_open_.count()) * config_.open_backoff_multiplier;
    const double cap = static_cast<double>(config_.max_wait_in_open.count());
    current_wait_in_open_ = time::Duration(static_cast<time::Duration::rep>(std::min(next, cap)));
  }
  transition(BreakerState::kOpen, reason);
  if (scheduler_ != nullptr && config_.half_open_transition == HalfOpenTransition::kScheduled) {
    open_timer_ = scheduler_->schedule_at(state_entered_at_ + current_wait_in_open_, [this, epoch = epoch_] {
      open_timer_ = {};
      if (epoch == epoch_) transition(BreakerState::kHalfOpen, "wait_over");
    });
  }
}

void CircuitBreaker::transition(BreakerState to, std::string_view reason) {
  cancel_timers();
  const BreakerState from = state_;
  state_ = to;
  ++epoch_;
  ++counters_.transitions;
  state_entered_at_ = clock_.now();
  if (to == BreakerState::kClosed) {
    window_.clear();
    failure_count_ = 0;
    trips_since_closed_ = 0;
  }
  if (to == BreakerState::kHalfOpen) {
    probes_admitted_ = 0;
    probes_succeeded_ = 0;
    if (scheduler_ != nullptr && config_.max_wait_in_half_open > time::Duration::zero()) {
      half_open_timer_ =
          scheduler_->schedule_at(state_entered_at_ + config_.max_wait_in_half_open, [this, epoch = epoch_] {
            half_open_timer_ = {};
            if (epoch == epoch_) enter_open("half_open_timeout");
          });
    }
  }
  const std::array<Attribute, 3> attributes = {{
      {"from", to_string(from)},
      {"to", to_string(to)},
      {"reason", reason},
  }};
  report("breaker.state_changed", attributes);
}

void CircuitBreaker::cancel_timers() {
  if (scheduler_ == nullptr) return;
  if (open_timer_.valid()) scheduler_->cancel(std::exchange(open_timer_, {}));
  if (half_open_timer_.valid()) scheduler_->cancel(std::exchange(half_open_timer_, {}));
}

void CircuitBreaker::disable() { transition(BreakerState::kDisabled, "operator"); }
void CircuitBreaker::metrics_only() { transition(BreakerState::kMetricsOnly, "operator"); }
void CircuitBreaker::force_open() { transition(BreakerState::kForcedOpen, "operator"); }
void CircuitBreaker::reset() { transition(BreakerState::kClosed, "reset"); }

CircuitBreakerStats CircuitBreaker::stats() const {
  const time::Instant now = clock_.now();
  CircuitBreakerStats stats = counters_;
  stats.state = state_;
  stats.time_in_state = now - state_entered_at_;
  stats.window = window_.totals(now);
  stats.failure_count = failure_count_;
  stats.current_wait_in_open = current_wait_in_open_;
  return stats;
}

void CircuitBreaker::report(std::string_view what, std::span<const Attribute> attributes) {
  if (events_ == nullptr) return;
  events_->on_event(observe::Event{what, name_, clock_.now(), {}, attributes});
}

void CircuitBreaker::report_outcome(Outcome outcome, bool slow, time::Duration duration) {
  std::string_view what;
  switch (outcome) {
    case Outcome::kSuccess:
      ++counters_.calls_succeeded;
      what = "breaker.call_succeeded";
      break;
    case Outcome::kFailure:
      ++counters_.calls_failed;
      what = "breaker.call_failed";
      break;
    case Outcome::kIgnored:
      ++counters_.calls_ignored;
      what = "breaker.call_ignored";
      break;
  }
  if (slow) ++counters_.calls_slow;
  if (events_ == nullptr) return;
  const std::array<Attribute, 1> attributes = {{{"duration_ns", std::int64_t{duration.count()}}}};
  report(what, attributes);
  if (slow) report("breaker.call_slow", attributes);
}

}  // namespace sluice::resilience
