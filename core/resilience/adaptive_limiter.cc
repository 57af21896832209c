#include "core/resilience/adaptive_limiter.h"

#include <algorithm>
#include <cmath>

#include "core/base/check.h"

namespace sluice::resilience {

using observe::Attribute;
using observe::LatencyHistogram;

std::string_view to_string(LimiterPhase phase) {
  switch (phase) {
    case LimiterPhase::kProbing:
      return "PROBING";
    case LimiterPhase::kGradient:
      return "GRADIENT";
  }
  return "UNKNOWN";
}

namespace {

std::int64_t nanos(time::Instant instant) { return time::nanos_since_epoch(instant); }

// bump: +1 on a shard's counter; its owner thread is the only writer (no
// read-modify-write needed), guests of a shared shard add atomically.
void bump(std::atomic<std::uint64_t>& counter, bool owner) {
  if (owner) {
    counter.store(counter.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  } else {
    counter.fetch_add(1, std::memory_order_relaxed);
  }
}

}  // namespace

// ---- Permit

AdaptiveLimiter::Permit& AdaptiveLimiter::Permit::operator=(Permit&& other) noexcept {
  if (this != &other) {
    if (limiter_ != nullptr) release(LimitOutcome::kIgnored);  // the slot it held is freed
    limiter_ = std::exchange(other.limiter_, nullptr);
    started_ = other.started_;
    epoch_ = other.epoch_;
  }
  return *this;
}

AdaptiveLimiter::Permit::~Permit() {
  if (limiter_ != nullptr) release(LimitOutcome::kIgnored);
}

void AdaptiveLimiter::Permit::release(LimitOutcome outcome) {
  SLUICE_CHECK(limiter_ != nullptr);  // a rejected permit, or one already released
  const time::Instant now = limiter_->clock_.now();
  std::exchange(limiter_, nullptr)->on_release(epoch_, outcome, now - started_, now);
}

void AdaptiveLimiter::Permit::release(LimitOutcome outcome, time::Duration latency) {
  SLUICE_CHECK(limiter_ != nullptr);
  AdaptiveLimiter* limiter = std::exchange(limiter_, nullptr);
  limiter->on_release(epoch_, outcome, latency, limiter->clock_.now());
}

// ---- AdaptiveLimiter

AdaptiveLimiter::AdaptiveLimiter(std::string name, AdaptiveLimiterConfig config, const time::Clock& clock,
                                 std::uint64_t seed, observe::EventSink* events)
    : name_(std::move(name)),
      config_(config),
      clock_(clock),
      events_(events),
      learned_limit_(config.initial_limit),
      prng_(seed) {
  SLUICE_CHECK(config_.validate().ok());
  // The floor is unknown: measure it first, at min_limit.
  phase_word_.store(pack(LimiterPhase::kGradient, 0), std::memory_order_relaxed);
  std::lock_guard lock(mutex_);
  start_probe(clock_.now());
  schedule_next_check();
}

AdaptiveLimiter::Permit AdaptiveLimiter::try_acquire() {
  const time::Instant now = clock_.now();
  if (nanos(now) >= next_check_ns_.load(std::memory_order_relaxed)) on_deadline(now);
  // The limit is stored before the phase word that goes with it: a thread that sees a
  // new phase sees its limit.
  const std::uint64_t word = phase_word_.load(std::memory_order_acquire);
  const std::uint32_t limit = admit_limit_.load(std::memory_order_relaxed);
  std::uint32_t current = in_flight_.load(std::memory_order_relaxed);
  do {
    if (current >= limit) return reject(limit, current);
  } while (!in_flight_.compare_exchange_weak(current, current + 1, std::memory_order_relaxed));
  // The window's peak, for the "used half of the limit" rule: written only on a new
  // peak, so a saturated limiter does not write it on every call.
  if (current + 1 > window_peak_in_flight_.load(std::memory_order_relaxed)) {
    window_peak_in_flight_.store(current + 1, std::memory_order_relaxed);
  }
  const ThreadShard me = this_thread_shard();
  bump(shards_[me.index].accepted, me.owner);
  return Permit(this, now, epoch_of(word));
}

AdaptiveLimiter::Permit AdaptiveLimiter::reject(std::uint32_t limit, std::uint32_t in_flight) {
  const ThreadShard me = this_thread_shard();
  bump(shards_[me.index].rejected, me.owner);
  if (events_ != nullptr) {
    const std::array<Attribute, 2> attributes = {
        {{"limit", std::int64_t{limit}}, {"in_flight", std::int64_t{in_flight}}}};
    report("limiter.call_rejected", attributes);
  }
  return Permit();
}

void AdaptiveLimiter::on_release(std::uint64_t epoch, LimitOutcome outcome, time::Duration latency,
                                 time::Instant now) {
  in_flight_.fetch_sub(1, std::memory_order_relaxed);
  const ThreadShard me = this_thread_shard();
  Shard& shard = shards_[me.index];
  const std::uint64_t word = phase_word_.load(std::memory_order_acquire);
  // Only a permit issued in this phase measured the concurrency this phase runs at.
  const bool current = epoch_of(word) == epoch;
  bool probe_complete = false;
  switch (outcome) {
    case LimitOutcome::kSuccess:
      bump(shard.succeeded, me.owner);
      if (current) {
        bump(shard.latency[LatencyHistogram::bucket_of(latency.count())], me.owner);
        if (phase_of(word) == LimiterPhase::kProbing) {
          probe_complete =
              probe_samples_.fetch_add(1, std::memory_order_relaxed) + 1 >= config_.min_rtt_request_count;
        }
      }
      break;
    case LimitOutcome::kDropped:
      bump(shard.dropped, me.owner);
      if (current) bump(shard.drop_signals, me.owner);
      break;
    case LimitOutcome::kIgnored:
      bump(shard.ignored, me.owner);
      break;
  }
  // Deadlines are checked on release too, so a limiter that admits nothing (all
  // rejected) still reaches the end of its window as its calls finish.
  if (probe_complete || nanos(now) >= next_check_ns_.load(std::memory_order_relaxed)) on_deadline(now);
}

void AdaptiveLimiter::on_deadline(time::Instant now) {
  std::unique_lock lock(mutex_, std::try_to_lock);
  if (!lock.owns_lock()) return;  // another thread is at it
  act_on_deadlines(now);
  schedule_next_check();
}

void AdaptiveLimiter::act_on_deadlines(time::Instant now) {
  if (phase() == LimiterPhase::kProbing) {
    const std::uint32_t samples = probe_samples_.load(std::memory_order_relaxed);
    if (samples >= config_.min_rtt_request_count) return end_probe(now);
    if (now < probe_deadline_) return;
    // Out of time: end with what was measured; with nothing measured and no floor
    // known yet, there is nothing to end with, so probe on.
    if (samples > 0 || min_rtt_ > time::Duration::zero()) return end_probe(now);
    probe_deadline_ = now + config_.min_rtt_probe_max;
    return;
  }
  if (now >= next_probe_at_) return start_probe(now);
  if (now >= window_deadline_) end_window(now);
}

void AdaptiveLimiter::start_probe(time::Instant now) {
  ++probes_;
  windows_at_min_limit_ = 0;
  probe_samples_.store(0, std::memory_order_relaxed);
  probe_deadline_ = now + config_.min_rtt_probe_max;
  std::uint64_t drops = 0;
  samples_since_taken(&drops, /*take=*/true);  // the probe counts from here
  admit_limit_.store(config_.min_limit, std::memory_order_relaxed);
  set_phase(LimiterPhase::kProbing);
  const std::array<Attribute, 1> attributes = {{{"limit", std::int64_t{config_.min_limit}}}};
  report("limiter.probe_started", attributes);
}

void AdaptiveLimiter::end_probe(time::Instant now) {
  std::uint64_t drops = 0;
  const LatencyHistogram probe = samples_since_taken(&drops, /*take=*/true);
  if (probe.count() > 0) min_rtt_ = probe.quantile(config_.sample_percentile / 100);
  admit_limit_.store(learned_limit_, std::memory_order_relaxed);
  set_phase(LimiterPhase::kGradient);
  window_peak_in_flight_.store(in_flight_.load(std::memory_order_relaxed), std::memory_order_relaxed);
  window_deadline_ = now + config_.sample_window;
  next_probe_at_ = now + jittered_interval();
  const std::array<Attribute, 3> attributes = {{{"min_rtt_ns", std::int64_t{min_rtt_.count()}},
                                                {"samples", static_cast<std::int64_t>(probe.count())},
                                                {"limit", std::int64_t{learned_limit_}}}};
  report("limiter.probe_ended", attributes);
}

void AdaptiveLimiter::end_window(time::Instant now) {
  std::uint64_t drops = 0;
  LatencyHistogram window = samples_since_taken(&drops, /*take=*/false);
  window_deadline_ = now + config_.sample_window;
  // Too few calls to judge by: the window goes on, keeping what it has.
  if (drops == 0 && window.count() < config_.minimum_samples) return;
  window = samples_since_taken(&drops, /*take=*/true);
  const std::uint32_t peak =
      window_peak_in_flight_.exchange(in_flight_.load(std::memory_order_relaxed), std::memory_order_relaxed);
  const double limit = learned_limit_;
  double target = limit;
  std::string_view reason = "gradient";
  if (drops > 0) {
    target = std::floor(limit * config_.drop_backoff_ratio);
    reason = "drop";
  } else {
    sample_rtt_ = window.quantile(config_.sample_percentile / 100);
    const double floor_ns =
        static_cast<double>(min_rtt_.count()) * (1 + config_.min_rtt_buffer_percent / 100);
    const double sample_ns = static_cast<double>(sample_rtt_.count());
    const double gradient = std::clamp(sample_ns > 0 ? floor_ns / sample_ns : AdaptiveLimiterConfig::kMaxGradient,
                                       AdaptiveLimiterConfig::kMinGradient, AdaptiveLimiterConfig::kMaxGradient);
    // A service that did not use half its limit has not shown it can take more.
    const bool app_limited = static_cast<double>(peak) * 2 < limit;
    if (!(gradient >= 1 && app_limited)) {
      const double scaled = limit * gradient;
      target = scaled + std::sqrt(scaled);  // headroom for bursts
    }
  }
  const double smoothed = limit + config_.smoothing * (target - limit);
  const auto bounded = static_cast<std::uint32_t>(std::clamp(
      std::round(smoothed), static_cast<double>(config_.min_limit), static_cast<double>(config_.max_limit)));
  set_limit(bounded, reason);
  windows_at_min_limit_ = bounded == config_.min_limit ? windows_at_min_limit_ + 1 : 0;
  if (config_.probe_after_windows_at_min_limit > 0 &&
      windows_at_min_limit_ >= config_.probe_after_windows_at_min_limit) {
    start_probe(now);  // stuck at the floor: the floor has likely moved
  }
}

LatencyHistogram AdaptiveLimiter::samples_since_taken(std::uint64_t* drop_signals, bool take) {
  LatencyHistogram since;
  for (std::size_t bucket = 0; bucket < LatencyHistogram::kBuckets; ++bucket) {
    std::uint64_t total = 0;
    for (const Shard& shard : shards_) total += shard.latency[bucket].load(std::memory_order_relaxed);
    if (total != taken_latency_[bucket]) since.add_to_bucket(bucket, total - taken_latency_[bucket]);
    if (take) taken_latency_[bucket] = total;
  }
  std::uint64_t drops = 0;
  for (const Shard& shard : shards_) drops += shard.drop_signals.load(std::memory_order_relaxed);
  *drop_signals = drops - taken_drop_signals_;
  if (take) taken_drop_signals_ = drops;
  return since;
}

void AdaptiveLimiter::set_phase(LimiterPhase phase) {
  const std::uint64_t epoch = epoch_of(phase_word_.load(std::memory_order_relaxed)) + 1;
  phase_word_.store(pack(phase, epoch), std::memory_order_release);
}

void AdaptiveLimiter::set_limit(std::uint32_t to, std::string_view reason) {
  if (to == learned_limit_) return;
  const std::array<Attribute, 5> attributes = {{{"from", std::int64_t{learned_limit_}},
                                                {"to", std::int64_t{to}},
                                                {"reason", reason},
                                                {"sample_rtt_ns", std::int64_t{sample_rtt_.count()}},
                                                {"min_rtt_ns", std::int64_t{min_rtt_.count()}}}};
  learned_limit_ = to;
  ++limit_changes_;
  admit_limit_.store(to, std::memory_order_relaxed);
  report("limiter.limit_changed", attributes);
}

time::Duration AdaptiveLimiter::jittered_interval() {
  const auto jitter = time::Duration(static_cast<std::int64_t>(
      static_cast<double>(config_.min_rtt_interval.count()) * config_.min_rtt_jitter_percent / 100));
  return config_.min_rtt_interval + prng_.uniform_duration(time::Duration::zero(), jitter);
}

void AdaptiveLimiter::schedule_next_check() {
  const time::Instant next = phase() == LimiterPhase::kProbing ? probe_deadline_
                                                                : std::min(window_deadline_, next_probe_at_);
  next_check_ns_.store(nanos(next), std::memory_order_relaxed);
}

AdaptiveLimiterStats AdaptiveLimiter::stats() const {
  AdaptiveLimiterStats stats;
  for (const Shard& shard : shards_) {
    stats.accepted += shard.accepted.load(std::memory_order_relaxed);
    stats.rejected += shard.rejected.load(std::memory_order_relaxed);
    stats.succeeded += shard.succeeded.load(std::memory_order_relaxed);
    stats.dropped += shard.dropped.load(std::memory_order_relaxed);
    stats.ignored += shard.ignored.load(std::memory_order_relaxed);
  }
  stats.phase = phase();
  stats.limit = limit();
  stats.in_flight = in_flight();
  std::lock_guard lock(mutex_);
  stats.learned_limit = learned_limit_;
  stats.min_rtt = min_rtt_;
  stats.sample_rtt = sample_rtt_;
  stats.limit_changes = limit_changes_;
  stats.probes = probes_;
  return stats;
}

void AdaptiveLimiter::report(std::string_view what, std::span<const Attribute> attributes) {
  if (events_ == nullptr) return;
  events_->on_event(observe::Event{what, name_, clock_.now(), {}, attributes});
}

}  // namespace sluice::resilience
