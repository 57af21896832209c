#include "core/resilience/circuit_breaker.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>

#include "core/base/check.h"
#include "core/base/duration_text.h"
#include "core/base/thread_shard.h"
#include "core/config/json_fields.h"

namespace sluice::resilience {

using observe::Attribute;

std::string_view to_string(BreakerState state) {
  switch (state) {
    case BreakerState::kClosed:
      return "CLOSED";
    case BreakerState::kOpen:
      return "OPEN";
    case BreakerState::kHalfOpen:
      return "HALF_OPEN";
    case BreakerState::kDisabled:
      return "DISABLED";
    case BreakerState::kMetricsOnly:
      return "METRICS_ONLY";
    case BreakerState::kForcedOpen:
      return "FORCED_OPEN";
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

namespace {

std::int64_t nanos(time::Duration d) { return d.count(); }

}  // namespace

CircuitBreaker::CircuitBreaker(std::string name, CircuitBreakerConfig config, const time::Clock& clock,
                               observe::EventSink* events, TripGuard* guard)
    : name_(std::move(name)), config_(config), clock_(clock), scheduler_(nullptr), events_(events), guard_(guard) {
  SLUICE_CHECK(config_.validate().ok());
  SLUICE_CHECK(config_.half_open_transition == HalfOpenTransition::kOnNextCall);
  state_entered_at_ns_ = time::nanos_since_epoch(clock_.now());
  for (Shard& shard : shards_) shard.window = SlidingWindow(config_.window_kind, config_.window_size);
}

CircuitBreaker::CircuitBreaker(std::string name, CircuitBreakerConfig config, time::Scheduler& scheduler,
                               observe::EventSink* events, TripGuard* guard)
    : name_(std::move(name)),
      config_(config),
      clock_(scheduler),
      scheduler_(&scheduler),
      events_(events),
      guard_(guard) {
  SLUICE_CHECK(config_.validate().ok());
  state_entered_at_ns_ = time::nanos_since_epoch(clock_.now());
  for (Shard& shard : shards_) shard.window = SlidingWindow(config_.window_kind, config_.window_size);
}

CircuitBreaker::~CircuitBreaker() {
  std::lock_guard lock(mutex_);
  cancel_timers();
}

CircuitBreaker::Shard& CircuitBreaker::my_shard() { return shards_[this_thread_shard().index]; }

CircuitBreaker::Permit CircuitBreaker::try_acquire() {
  for (;;) {
    const std::uint64_t word = state_word_.load(std::memory_order_acquire);
    switch (state_of(word)) {
      case BreakerState::kClosed:
        if (ramping_.load(std::memory_order_relaxed)) return ramp_admit(word, clock_.now());
        return Permit(this, clock_.now(), epoch_of(word));
      case BreakerState::kDisabled:
      case BreakerState::kMetricsOnly:
        return Permit(this, clock_.now(), epoch_of(word));
      case BreakerState::kForcedOpen:
        return reject(BreakerState::kForcedOpen);
      case BreakerState::kOpen:
        if (!wait_in_open_is_over(clock_.now())) return reject(BreakerState::kOpen);
        break;
      case BreakerState::kHalfOpen:
        break;
    }
    const time::Instant now = clock_.now();
    std::lock_guard lock(mutex_);
    // Another thread may have moved the breaker since the load; if so, look again.
    if (state_word_.load(std::memory_order_relaxed) == word) return acquire_probe(now);
  }
}

CircuitBreaker::Permit CircuitBreaker::acquire_probe(time::Instant now) {
  if (state() == BreakerState::kOpen) {
    transition(BreakerState::kHalfOpen, "wait_over");
  } else if (half_open_wait_exceeded(now)) {
    enter_open("half_open_timeout");
    return reject(BreakerState::kOpen);
  }
  if (probes_admitted_ >= config_.permitted_calls_in_half_open) return reject(BreakerState::kHalfOpen);
  ++probes_admitted_;
  return Permit(this, now, epoch_of(state_word_.load(std::memory_order_relaxed)));
}

CircuitBreaker::Permit CircuitBreaker::reject(BreakerState state) {
  const ThreadShard me = this_thread_shard();
  Shard& shard = shards_[me.index];
  if (me.owner) {
    // The owner is the only thread writing this counter: no read-modify-write needed.
    shard.rejected_by_owner.store(shard.rejected_by_owner.load(std::memory_order_relaxed) + 1,
                                  std::memory_order_relaxed);
  } else {
    shard.rejected_by_guests.fetch_add(1, std::memory_order_relaxed);
  }
  if (events_ != nullptr) {
    const std::array<Attribute, 1> attributes = {{{"state", to_string(state)}}};
    // In CLOSED, a rejection is the ramp's: say which share it holds to.
    const std::uint32_t step = ramp_step_.load(std::memory_order_relaxed);
    const std::array<Attribute, 2> ramp_attributes = {{
        {"state", to_string(state)},
        {"ramp_percent", step < config_.ramp_percents.size() ? config_.ramp_percents[step] : 100.0},
    }};
    report("breaker.call_rejected", state == BreakerState::kClosed ? std::span<const Attribute>(ramp_attributes)
                                                                   : std::span<const Attribute>(attributes));
  }
  return Permit();
}

CircuitBreaker::Permit CircuitBreaker::ramp_admit(std::uint64_t word, time::Instant now) {
  const std::int64_t elapsed = time::nanos_since_epoch(now) - ramp_started_at_ns_.load(std::memory_order_relaxed);
  const auto step = static_cast<std::size_t>(elapsed / config_.ramp_step_duration.count());
  if (step != ramp_step_.load(std::memory_order_relaxed)) {
    std::lock_guard lock(mutex_);
    if (ramping_.load(std::memory_order_relaxed) && state_word_.load(std::memory_order_relaxed) == word &&
        step > ramp_step_.load(std::memory_order_relaxed)) {
      ramp_step_.store(static_cast<std::uint32_t>(step), std::memory_order_relaxed);
      ramp_seen_.store(0, std::memory_order_relaxed);
      ramp_admitted_.store(0, std::memory_order_relaxed);
      if (step >= config_.ramp_percents.size()) ramping_.store(false, std::memory_order_relaxed);
      report_ramp_step(step < config_.ramp_percents.size() ? config_.ramp_percents[step] : 100.0);
    }
  }
  const std::uint32_t current = ramp_step_.load(std::memory_order_relaxed);
  if (!ramping_.load(std::memory_order_relaxed) || current >= config_.ramp_percents.size()) {
    return Permit(this, now, epoch_of(word));
  }
  // Error diffusion: admit while the admitted share is below the step's, so the first
  // call goes through and the share is exact over any stretch. Two threads may both
  // pass at once: the share can be exceeded by a call, never fall short.
  const double percent = config_.ramp_percents[current];
  const std::uint64_t seen = ramp_seen_.fetch_add(1, std::memory_order_relaxed) + 1;
  const std::uint64_t admitted = ramp_admitted_.load(std::memory_order_relaxed);
  if (static_cast<double>(admitted) * 100.0 < percent * static_cast<double>(seen)) {
    ramp_admitted_.fetch_add(1, std::memory_order_relaxed);
    return Permit(this, now, epoch_of(word));
  }
  return reject(BreakerState::kClosed);
}

void CircuitBreaker::start_ramp() {
  ramp_started_at_ns_.store(time::nanos_since_epoch(clock_.now()), std::memory_order_relaxed);
  ramp_step_.store(0, std::memory_order_relaxed);
  ramp_seen_.store(0, std::memory_order_relaxed);
  ramp_admitted_.store(0, std::memory_order_relaxed);
  ramping_.store(true, std::memory_order_relaxed);
  report_ramp_step(config_.ramp_percents.front());
}

void CircuitBreaker::report_ramp_step(double percent) {
  const std::array<Attribute, 1> attributes = {{{"percent", percent}}};
  report("breaker.ramp_step", attributes);
}

bool CircuitBreaker::wait_in_open_is_over(time::Instant now) const {
  const std::int64_t elapsed = time::nanos_since_epoch(now) - state_entered_at_ns_.load(std::memory_order_relaxed);
  const std::int64_t wait = current_wait_in_open_ns_.load(std::memory_order_relaxed);
  // On the next call: strictly after the wait, as the article's class does. Scheduled:
  // at the end of the wait, when the timer is due (checked here too in case the driver
  // runs the timer late).
  return config_.half_open_transition == HalfOpenTransition::kOnNextCall ? elapsed > wait : elapsed >= wait;
}

bool CircuitBreaker::half_open_wait_exceeded(time::Instant now) const {
  return config_.max_wait_in_half_open > time::Duration::zero() &&
         time::nanos_since_epoch(now) - state_entered_at_ns_.load(std::memory_order_relaxed) >=
             nanos(config_.max_wait_in_half_open);
}

void CircuitBreaker::on_record(std::uint64_t epoch, Outcome outcome, time::Duration duration) {
  const CallFlags call = classify(outcome, duration);
  const std::uint64_t word = state_word_.load(std::memory_order_acquire);
  // An outcome of a permit from an earlier state is counted, but moves nothing.
  const bool current = epoch_of(word) == epoch;
  const BreakerState state = state_of(word);
  const bool windowed = current && outcome != Outcome::kIgnored &&
                        (state == BreakerState::kClosed || state == BreakerState::kMetricsOnly);
  // Only a time-based window needs to know when.
  const time::Instant now = windowed && config_.window_kind == WindowKind::kTimeBased ? clock_.now() : time::Instant();
  Shard& shard = my_shard();
  bool window_moved = false;
  {
    SpinLock::Guard guard(shard.lock);
    shard.succeeded += outcome == Outcome::kSuccess;
    shard.failed += call.failure;
    shard.ignored += outcome == Outcome::kIgnored;
    shard.slow += call.slow;
    if (outcome != Outcome::kIgnored) {
      if (!shard.latency) shard.latency = std::make_unique<Shard::PaddedHistogram>();
      shard.latency->histogram.record(duration);
    }
    if (windowed) window_moved = shard.window.record(now, call);
  }
  if (events_ != nullptr) report_outcome(outcome, call, duration);
  if (!current) return;
  if (state == BreakerState::kClosed && outcome != Outcome::kIgnored) {
    // The common case first: a fast success in a healthy breaker changes nothing
    // shared (see after_closed_record for when a success must be judged).
    if (!call.failure && !call.slow && !call.over_latency_threshold && !window_moved &&
        failure_count_.load(std::memory_order_relaxed) == 0 && window_armed_.load(std::memory_order_relaxed)) {
      return;
    }
    after_closed_record(epoch, call, window_moved);
  } else if (state == BreakerState::kHalfOpen) {
    std::lock_guard lock(mutex_);
    if (epoch_of(state_word_.load(std::memory_order_relaxed)) == epoch) on_record_half_open(outcome, call);
  }
}

void CircuitBreaker::after_closed_record(std::uint64_t epoch, CallFlags call, bool window_moved) {
  if (call.failure) {
    failure_count_.fetch_add(1, std::memory_order_relaxed);
  } else if (config_.failure_counting == FailureCounting::kConsecutive &&
             failure_count_.load(std::memory_order_relaxed) != 0) {
    // Written only when it changes, so a run of successes writes nothing shared.
    failure_count_.store(0, std::memory_order_relaxed);
  }
  // A fast success can trip the breaker only by bringing the window to minimum_calls,
  // or when older seconds have just left a time-based window; once the window is
  // armed it can only lower the rates. Judging costs a pass over every shard, so the
  // common case, a success in a healthy breaker, skips it.
  const bool rates_judged = config_.failure_rate_threshold_percent > 0 ||
                            config_.slow_call_rate_threshold_percent > 0 || config_.latency_percentile > 0;
  const bool raises_a_rate = call.failure || call.slow || call.over_latency_threshold;
  if (!raises_a_rate && (!rates_judged || (window_armed_.load(std::memory_order_relaxed) && !window_moved))) {
    return;
  }
  if (const char* reason = trip_reason()) {
    std::lock_guard lock(mutex_);
    if (state_word_.load(std::memory_order_relaxed) != pack(BreakerState::kClosed, epoch)) return;
    if (guard_ != nullptr && !guard_->may_trip(*this)) {
      trips_refused_.fetch_add(1, std::memory_order_relaxed);
      const std::array<Attribute, 1> attributes = {{{"reason", std::string_view(reason)}}};
      report("breaker.trip_refused", attributes);
      return;
    }
    enter_open(reason);
  }
}

void CircuitBreaker::on_record_half_open(Outcome outcome, CallFlags call) {
  if (outcome == Outcome::kIgnored) {
    --probes_admitted_;  // the slot goes to the next call
    return;
  }
  if (call.failure || call.slow || call.over_latency_threshold) {
    enter_open(call.failure ? "probe_failed" : "probe_slow");
    return;
  }
  if (++probes_succeeded_ == config_.permitted_calls_in_half_open) {
    transition(BreakerState::kClosed, "probes_succeeded");
    if (!config_.ramp_percents.empty()) start_ramp();
  }
}

WindowTotals CircuitBreaker::window_totals(time::Instant now) const {
  WindowTotals sum;
  for (const Shard& shard : shards_) {
    SpinLock::Guard guard(const_cast<SpinLock&>(shard.lock));
    const WindowTotals totals = shard.window.totals(now);
    sum.calls += totals.calls;
    sum.failures += totals.failures;
    sum.slow += totals.slow;
    sum.over_latency_threshold += totals.over_latency_threshold;
  }
  return sum;
}

const char* CircuitBreaker::trip_reason() {
  if (config_.failure_threshold > 0 && failure_count_.load(std::memory_order_relaxed) >= config_.failure_threshold) {
    return config_.failure_counting == FailureCounting::kConsecutive ? "consecutive_failures" : "failures_since_closed";
  }
  if (config_.failure_rate_threshold_percent == 0 && config_.slow_call_rate_threshold_percent == 0 &&
      config_.latency_percentile == 0) {
    return nullptr;
  }
  const WindowTotals totals = window_totals(clock_.now());
  const bool armed = totals.calls > 0 && totals.calls >= config_.minimum_calls;
  if (window_armed_.load(std::memory_order_relaxed) != armed) window_armed_.store(armed, std::memory_order_relaxed);
  if (!armed) return nullptr;
  if (config_.failure_rate_threshold_percent > 0 &&
      totals.failure_rate_percent() >= config_.failure_rate_threshold_percent) {
    return "failure_rate";
  }
  if (config_.slow_call_rate_threshold_percent > 0 &&
      totals.slow_rate_percent() >= config_.slow_call_rate_threshold_percent) {
    return "slow_call_rate";
  }
  if (config_.latency_percentile > 0) {
    // The sample at rank ceil(q * n) is the q-quantile; it exceeds the threshold when
    // more than n - ceil(q * n) samples do.
    const auto rank = static_cast<std::uint32_t>(std::ceil(config_.latency_percentile / 100 * totals.calls));
    if (totals.over_latency_threshold > totals.calls - std::min(rank, totals.calls)) return "latency_percentile";
  }
  return nullptr;
}

void CircuitBreaker::enter_open(std::string_view reason) {
  ++trips_since_closed_;
  std::int64_t wait = nanos(config_.wait_in_open);
  if (trips_since_closed_ > 1 && config_.open_backoff_multiplier > 1) {
    // Repeated multiplication rather than pow(): exactly rounded, so identical natively
    // and in WebAssembly.
    const double next = static_cast<double>(current_wait_in_open_ns_.load()) * config_.open_backoff_multiplier;
    wait = static_cast<std::int64_t>(std::min(next, static_cast<double>(nanos(config_.max_wait_in_open))));
  }
  current_wait_in_open_ns_.store(wait, std::memory_order_relaxed);
  transition(BreakerState::kOpen, reason);
  if (scheduler_ != nullptr && config_.half_open_transition == HalfOpenTransition::kScheduled) {
    const std::uint64_t epoch = epoch_of(state_word_.load(std::memory_order_relaxed));
    open_timer_ = scheduler_->schedule_at(clock_.now() + time::Duration(wait), [this, epoch] {
      std::lock_guard lock(mutex_);
      open_timer_ = {};
      if (epoch_of(state_word_.load(std::memory_order_relaxed)) == epoch)
        transition(BreakerState::kHalfOpen, "wait_over");
    });
  }
}

void CircuitBreaker::transition(BreakerState to, std::string_view reason) {
  cancel_timers();
  ramping_.store(false, std::memory_order_relaxed);  // a ramp starts only after the transition
  const std::uint64_t word = state_word_.load(std::memory_order_relaxed);
  const BreakerState from = state_of(word);
  const time::Instant now = clock_.now();
  state_entered_at_ns_.store(time::nanos_since_epoch(now), std::memory_order_relaxed);
  transitions_.fetch_add(1, std::memory_order_relaxed);
  if (to == BreakerState::kClosed) {
    for (Shard& shard : shards_) {
      SpinLock::Guard guard(shard.lock);
      shard.window.clear();
    }
    failure_count_.store(0, std::memory_order_relaxed);
    window_armed_.store(false, std::memory_order_relaxed);
    trips_since_closed_ = 0;
  }
  if (to == BreakerState::kHalfOpen) {
    probes_admitted_ = 0;
    probes_succeeded_ = 0;
  }
  // Published last: a thread that sees the new state sees everything set above.
  const std::uint64_t epoch = epoch_of(word) + 1;
  state_word_.store(pack(to, epoch), std::memory_order_release);
  if (to == BreakerState::kHalfOpen && scheduler_ != nullptr &&
      config_.max_wait_in_half_open > time::Duration::zero()) {
    half_open_timer_ = scheduler_->schedule_at(now + config_.max_wait_in_half_open, [this, epoch] {
      std::lock_guard lock(mutex_);
      half_open_timer_ = {};
      if (epoch_of(state_word_.load(std::memory_order_relaxed)) == epoch) enter_open("half_open_timeout");
    });
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

void CircuitBreaker::disable() {
  std::lock_guard lock(mutex_);
  transition(BreakerState::kDisabled, "operator");
}

void CircuitBreaker::metrics_only() {
  std::lock_guard lock(mutex_);
  transition(BreakerState::kMetricsOnly, "operator");
}

void CircuitBreaker::force_open() {
  std::lock_guard lock(mutex_);
  transition(BreakerState::kForcedOpen, "operator");
}

void CircuitBreaker::reset() {
  std::lock_guard lock(mutex_);
  transition(BreakerState::kClosed, "reset");
}

CircuitBreakerStats CircuitBreaker::stats() const {
  const time::Instant now = clock_.now();
  CircuitBreakerStats stats;
  for (const Shard& shard : shards_) {
    SpinLock::Guard guard(const_cast<SpinLock&>(shard.lock));
    stats.calls_succeeded += shard.succeeded;
    stats.calls_failed += shard.failed;
    stats.calls_ignored += shard.ignored;
    stats.calls_slow += shard.slow;
    stats.calls_rejected += shard.rejected_by_owner.load(std::memory_order_relaxed) +
                            shard.rejected_by_guests.load(std::memory_order_relaxed);
  }
  stats.transitions = transitions_.load(std::memory_order_relaxed);
  stats.trips_refused = trips_refused_.load(std::memory_order_relaxed);
  stats.state = state();
  stats.time_in_state = now - time::instant_from_nanos(state_entered_at_ns_.load(std::memory_order_relaxed));
  stats.window = window_totals(now);
  stats.failure_count = failure_count_.load(std::memory_order_relaxed);
  stats.current_wait_in_open = time::Duration(current_wait_in_open_ns_.load(std::memory_order_relaxed));
  if (ramping_.load(std::memory_order_relaxed)) {
    const std::uint32_t step = ramp_step_.load(std::memory_order_relaxed);
    if (step < config_.ramp_percents.size()) stats.admission_percent = config_.ramp_percents[step];
  }
  const observe::LatencyHistogram latency = latency_histogram();
  stats.latency_count = latency.count();
  stats.latency_p50 = latency.quantile(0.5);
  stats.latency_p90 = latency.quantile(0.9);
  stats.latency_p99 = latency.quantile(0.99);
  stats.latency_p999 = latency.quantile(0.999);
  return stats;
}

observe::LatencyHistogram CircuitBreaker::latency_histogram() const {
  observe::LatencyHistogram merged;
  for (const Shard& shard : shards_) {
    SpinLock::Guard guard(const_cast<SpinLock&>(shard.lock));
    if (shard.latency) merged.merge_from(shard.latency->histogram);
  }
  return merged;
}

nlohmann::json CircuitBreaker::export_state() const {
  std::lock_guard lock(mutex_);
  const BreakerState state = this->state();
  const time::Duration in_state =
      clock_.now() - time::instant_from_nanos(state_entered_at_ns_.load(std::memory_order_relaxed));
  const time::Duration wait(current_wait_in_open_ns_.load(std::memory_order_relaxed));
  const time::Duration remaining =
      state == BreakerState::kOpen ? std::max(time::Duration::zero(), wait - in_state) : time::Duration::zero();
  return nlohmann::json{
      {"version", 1},
      {"name", name_},
      {"state", to_string(state)},
      {"remaining_wait_in_open", format_duration(remaining)},
      {"current_wait_in_open", format_duration(wait)},
      {"trips_since_closed", trips_since_closed_},
      {"failure_count", failure_count_.load(std::memory_order_relaxed)},
  };
}

Status CircuitBreaker::import_state(const nlohmann::json& document) {
  config::JsonFields f(document, "breaker state");
  std::uint32_t version = 0, trips = 0, failures = 0;
  std::string name, state_name;
  time::Duration remaining{}, wait{};
  f.count("version", version);
  f.text("name", name);
  f.text("state", state_name);
  f.duration("remaining_wait_in_open", remaining);
  f.duration("current_wait_in_open", wait);
  f.count("trips_since_closed", trips);
  f.count("failure_count", failures);
  if (version != 1) f.fail("version", "must be 1", nlohmann::json(version));
  std::optional<BreakerState> state;
  for (BreakerState s : {BreakerState::kClosed, BreakerState::kOpen, BreakerState::kHalfOpen, BreakerState::kDisabled,
                         BreakerState::kMetricsOnly, BreakerState::kForcedOpen}) {
    if (to_string(s) == state_name) state = s;
  }
  if (!state)
    f.fail("state", "must be one of CLOSED, OPEN, HALF_OPEN, DISABLED, METRICS_ONLY, FORCED_OPEN", state_name);
  if (remaining < time::Duration::zero() || wait < remaining) {
    f.fail("remaining_wait_in_open", "must be from 0 to current_wait_in_open", format_duration(remaining));
  }
  SLUICE_RETURN_IF_ERROR(f.finish());

  std::lock_guard lock(mutex_);
  BreakerState to = *state == BreakerState::kHalfOpen ? BreakerState::kOpen : *state;
  trips_since_closed_ = to == BreakerState::kOpen ? std::max<std::uint32_t>(trips, 1) : trips;
  current_wait_in_open_ns_.store(wait.count(), std::memory_order_relaxed);
  transition(to, "import");
  if (to == BreakerState::kOpen) {
    // As if it had opened (wait - remaining) ago. With nothing left, just past the
    // wait, so that the next call probes in either half-open mode.
    time::Duration elapsed = *state == BreakerState::kHalfOpen ? wait : wait - remaining;
    if (elapsed >= wait) elapsed = wait + time::Duration(1);
    state_entered_at_ns_.store(time::nanos_since_epoch(clock_.now() - elapsed), std::memory_order_relaxed);
    if (scheduler_ != nullptr && config_.half_open_transition == HalfOpenTransition::kScheduled) {
      const std::uint64_t epoch = epoch_of(state_word_.load(std::memory_order_relaxed));
      open_timer_ =
          scheduler_->schedule_at(clock_.now() + std::max(time::Duration::zero(), wait - elapsed), [this, epoch] {
            std::lock_guard timer_lock(mutex_);
            open_timer_ = {};
            if (epoch_of(state_word_.load(std::memory_order_relaxed)) == epoch)
              transition(BreakerState::kHalfOpen, "wait_over");
          });
    }
  }
  if (to == BreakerState::kClosed) failure_count_.store(failures, std::memory_order_relaxed);
  return Status();
}

void CircuitBreaker::report(std::string_view what, std::span<const Attribute> attributes) {
  if (events_ == nullptr) return;
  events_->on_event(observe::Event{what, name_, clock_.now(), {}, attributes});
}

void CircuitBreaker::report_outcome(Outcome outcome, CallFlags call, time::Duration duration) {
  std::string_view what = "breaker.call_succeeded";
  if (outcome == Outcome::kFailure) what = "breaker.call_failed";
  if (outcome == Outcome::kIgnored) what = "breaker.call_ignored";
  const std::array<Attribute, 1> attributes = {{{"duration_ns", std::int64_t{duration.count()}}}};
  report(what, attributes);
  if (call.slow) report("breaker.call_slow", attributes);
}

}  // namespace sluice::resilience
