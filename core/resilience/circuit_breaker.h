// circuit_breaker.h: CircuitBreaker, which stops calling a dependency that is failing
// and lets a few probe calls find out when it has recovered.
//
// Asynchronous use (callbacks, futures, coroutines): ask for a permit before the call,
// record the outcome when it ends.
//
//   CircuitBreaker breaker("inventory", config, scheduler, &events);
//   CircuitBreaker::Permit permit = breaker.try_acquire();
//   if (!permit) return fallback();           // rejected: the breaker is open
//   auto reply = call_inventory();
//   permit.record(reply.ok() ? Outcome::kSuccess : Outcome::kFailure);
//
// Synchronous use, with the article's fallback on rejection or failure:
//
//   Stock stock = breaker.execute([&] { return check_stock(id); },
//                                 [](const Stock& s) { return s.ok ? Outcome::kSuccess : Outcome::kFailure; },
//                                 [&] { return Stock::fallback(id); });
//
// The caller classifies outcomes: kIgnored for results that say nothing about the
// dependency's health (a 4xx, a cancelled call) so they neither trip nor close it.
// A Permit dropped without record() counts as ignored and frees its probe slot.
//
// States and what moves them (operator states are set only by their methods):
//
//   state        | try_acquire()                   | record(outcome)                   | timers
//   -------------+---------------------------------+-----------------------------------+-------------------------
//   CLOSED       | admit (during a ramp, only the  | count it; a trip condition met    |
//                |   step's share of calls)        |   -> OPEN                         |
//   OPEN         | reject; on-next-call mode: the  | (no permits are out)              | scheduled mode: end of
//                |   first call past the wait      |                                   |   the wait -> HALF_OPEN
//                |   -> HALF_OPEN and admit        |                                   |
//   HALF_OPEN    | admit up to the permitted       | failure or slow -> OPEN;          | max wait passed -> OPEN
//                |   probes, then reject           |   all probes succeeded -> CLOSED; |   (also checked lazily)
//                |                                 |   ignored frees the probe slot    |
//   DISABLED     | admit                           | counted in stats only             |
//   METRICS_ONLY | admit                           | counted in stats and the window;  |
//                |                                 |   never trips                     |
//   FORCED_OPEN  | reject                          | (no permits are out)              |
//
//   disable(), metrics_only(), force_open(): to that state from any state.
//   reset(): to CLOSED from any state, with the window, the counts and the open
//            backoff cleared.
//
// After HALF_OPEN closes, an optional ramp (ramp_percents) admits a rising share of
// calls for a few steps instead of snapping from one probe to full load; it reports
// "breaker.ramp_step" (percent) at each step, 100 when it ends.
//
// The wait in OPEN is wait_in_open, multiplied by open_backoff_multiplier for each
// further trip before the breaker closes again, up to max_wait_in_open. In on-next-call
// mode a call is past the wait when strictly more than the wait has elapsed since the
// trip, as in the article.
//
// An outcome recorded on a permit from an earlier state (a call that started before
// the breaker tripped, say) counts in the stats but moves nothing: a slow success from
// before a trip must not close a half-open breaker.
//
// Durations of succeeded and failed calls go into a latency histogram (per thread,
// merged on demand): stats() gives its percentiles and latency_histogram() all of it.
//
// Every transition, rejection and recorded outcome is reported to the EventSink, if
// one is given: "breaker.state_changed" (from, to, reason), "breaker.call_rejected"
// (state), "breaker.call_succeeded" / "breaker.call_failed" / "breaker.call_ignored"
// (duration_ns), and "breaker.call_slow" (duration_ns) besides for slow calls.
//
// Thread-safe. In CLOSED, admitting, rejecting and recording take no mutex and write no
// cache line that other threads write on every call: each thread records into its own
// shard (a window and counters behind a lock only that thread normally takes), and the
// shared failure count is written only on failures. Transitions and HALF_OPEN probe
// accounting take a mutex; they are rare. Shortcuts taken for that, by design:
//   - with calls from several threads, a count-based window holds the last
//     window_size calls of each thread's shard (exact with one thread); rates are
//     judged over their union, so across threads the window is a little longer;
//   - a call recorded at the moment of a transition may land in the new state's
//     window.
// Event sinks are called from the recording thread and must be thread-safe when the
// breaker is used from several threads; a Scheduler is called with the breaker's mutex
// held. In WebAssembly all of this runs on one thread at no cost.
//
// REQUIRES: the clock (or scheduler) and the event sink outlive the breaker, and the
// breaker outlives its permits.
#ifndef SLUICE_CORE_RESILIENCE_CIRCUIT_BREAKER_H_
#define SLUICE_CORE_RESILIENCE_CIRCUIT_BREAKER_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "core/base/cache_line.h"
#include "core/base/spin_lock.h"
#include "core/base/status.h"
#include "core/base/thread_shard.h"
#include "core/observe/event.h"
#include "core/observe/latency_histogram.h"
#include "core/resilience/circuit_breaker_config.h"
#include "core/resilience/sliding_window.h"
#include "core/time/clock.h"
#include "core/time/scheduler.h"

namespace sluice::resilience {

enum class BreakerState : std::uint8_t { kClosed, kOpen, kHalfOpen, kDisabled, kMetricsOnly, kForcedOpen };

// to_string: "CLOSED", "OPEN", "HALF_OPEN", "DISABLED", "METRICS_ONLY", "FORCED_OPEN".
std::string_view to_string(BreakerState state);

enum class Outcome : std::uint8_t {
  kSuccess,
  kFailure,
  kIgnored,  // says nothing about the dependency's health
};

// outcome_of_http_status: the usual classification of an HTTP reply. 5xx, 408
// (Request Timeout) and 429 (Too Many Requests) say the dependency is struggling:
// failures. Other 4xx are the caller's mistakes: ignored. The rest succeeded. Pass your
// own predicate to execute() when a dependency needs another rule.
constexpr Outcome outcome_of_http_status(int status) {
  if (status >= 500 || status == 408 || status == 429) return Outcome::kFailure;
  if (status >= 400) return Outcome::kIgnored;
  return Outcome::kSuccess;
}

// CircuitBreakerStats: counters since construction and the present state.
struct CircuitBreakerStats {
  std::uint64_t calls_succeeded = 0;
  std::uint64_t calls_failed = 0;
  std::uint64_t calls_ignored = 0;  // including permits dropped unrecorded
  std::uint64_t calls_slow = 0;     // also counted as succeeded or failed
  std::uint64_t calls_rejected = 0;
  std::uint64_t transitions = 0;
  std::uint64_t trips_refused = 0;  // by the TripGuard
  BreakerState state = BreakerState::kClosed;
  time::Duration time_in_state{};
  WindowTotals window;              // the calls the rates are judged over
  std::uint32_t failure_count = 0;  // what failure_threshold is compared with
  time::Duration current_wait_in_open{};
  // Durations of succeeded and failed calls since construction.
  // admission_percent: the share of calls admitted in CLOSED (below 100 during a ramp).
  double admission_percent = 100;
  std::uint64_t latency_count = 0;
  time::Duration latency_p50{};
  time::Duration latency_p90{};
  time::Duration latency_p99{};
  time::Duration latency_p999{};
};

class CircuitBreaker;

// TripGuard: asked before a CLOSED breaker trips; false keeps it closed (the trip is
// counted in stats.trips_refused and reported as "breaker.trip_refused"). Re-opening a
// failed probe and operator states are never refused. Called with the breaker's mutex
// held; must not call back into that breaker.
class TripGuard {
 public:
  virtual ~TripGuard() = default;
  virtual bool may_trip(const CircuitBreaker& breaker) = 0;
};

class CircuitBreaker {
 public:
  // Permit: the right to make one call. Move-only; falsy when the call was rejected.
  class Permit {
   public:
    Permit() = default;
    Permit(Permit&& other) noexcept { *this = std::move(other); }
    Permit& operator=(Permit&& other) noexcept;
    Permit(const Permit&) = delete;
    Permit& operator=(const Permit&) = delete;
    ~Permit();

    explicit operator bool() const { return breaker_ != nullptr; }

    // record: the call ended with `outcome`; its duration is measured on the breaker's
    // clock since try_acquire(). A permit records once.
    void record(Outcome outcome);
    // record: the same with a duration the caller measured.
    void record(Outcome outcome, time::Duration duration);

   private:
    friend class CircuitBreaker;
    Permit(CircuitBreaker* breaker, time::Instant started, std::uint64_t epoch)
        : breaker_(breaker), started_(started), epoch_(epoch) {}

    CircuitBreaker* breaker_ = nullptr;  // null once recorded, or when rejected
    time::Instant started_;
    std::uint64_t epoch_ = 0;
  };

  // CircuitBreaker: with on-next-call half-open transitions only.
  // REQUIRES: config.validate().ok() and config.half_open_transition == kOnNextCall.
  CircuitBreaker(std::string name, CircuitBreakerConfig config, const time::Clock& clock,
                 observe::EventSink* events = nullptr, TripGuard* guard = nullptr);
  // CircuitBreaker: may set timers (scheduled half-open, half-open maximum wait).
  // REQUIRES: config.validate().ok().
  CircuitBreaker(std::string name, CircuitBreakerConfig config, time::Scheduler& scheduler,
                 observe::EventSink* events = nullptr, TripGuard* guard = nullptr);
  ~CircuitBreaker();

  CircuitBreaker(const CircuitBreaker&) = delete;
  CircuitBreaker& operator=(const CircuitBreaker&) = delete;

  // try_acquire: a permit for one call, or a falsy one if the call must not be made.
  Permit try_acquire();

  // execute: runs `call` if admitted and records classify(result); returns the result,
  // or fallback() if the call was rejected or failed.
  template <typename Call, typename Classify, typename Fallback>
  std::invoke_result_t<Call> execute(Call&& call, Classify&& classify, Fallback&& fallback);

  // Operator states; each reports a transition with reason "operator".
  void disable();
  void metrics_only();
  void force_open();
  void reset();

  BreakerState state() const { return state_of(state_word_.load(std::memory_order_acquire)); }
  const std::string& name() const { return name_; }
  const CircuitBreakerConfig& config() const { return config_; }
  CircuitBreakerStats stats() const;
  // latency_histogram: durations of succeeded and failed calls since construction.
  observe::LatencyHistogram latency_histogram() const;

  // export_state: what a restarted process or a new replica needs to start where this
  // one is, in clock-independent terms:
  //   {"version": 1, "name": "inventory", "state": "OPEN", "remaining_wait_in_open": "12s",
  //    "current_wait_in_open": "30s", "trips_since_closed": 1, "failure_count": 3}
  // Windows and counters are not carried: rates start afresh.
  nlohmann::json export_state() const;

  // import_state: takes the state of an exported breaker (same config expected): an
  // OPEN one stays open for its remaining wait, counted from now, and keeps its
  // backoff; HALF_OPEN comes back as OPEN with no wait left, so the next call probes.
  // A bad document is an error naming the field, and changes nothing. Reports a
  // transition with reason "import".
  Status import_state(const nlohmann::json& state);

 private:
  // Shard: what the threads mapped to it recorded. Aligned to its own cache line(s).
  struct alignas(kCacheLine) Shard {
    SpinLock lock;
    SlidingWindow window{WindowKind::kCountBased, 1};  // replaced by the configured one
    std::uint64_t succeeded = 0;
    std::uint64_t failed = 0;
    std::uint64_t ignored = 0;
    std::uint64_t slow = 0;
    // Allocated on the shard's first recorded call, so idle shards cost nothing; on
    // cache lines of its own.
    struct alignas(kCacheLine) PaddedHistogram {
      observe::LatencyHistogram histogram;
    };
    std::unique_ptr<PaddedHistogram> latency;
    // Outside the lock. The shard's owner thread counts rejections with plain relaxed
    // stores (no other thread writes it); guests of a shared shard add atomically.
    std::atomic<std::uint64_t> rejected_by_owner{0};
    std::atomic<std::uint64_t> rejected_by_guests{0};
  };

  static std::uint64_t pack(BreakerState state, std::uint64_t epoch) {
    return (epoch << 8) | static_cast<std::uint8_t>(state);
  }
  static BreakerState state_of(std::uint64_t word) { return static_cast<BreakerState>(word & 0xff); }
  static std::uint64_t epoch_of(std::uint64_t word) { return word >> 8; }

  Shard& my_shard();
  void on_record(std::uint64_t epoch, Outcome outcome, time::Duration duration);
  CallFlags classify(Outcome outcome, time::Duration duration) const {
    if (outcome == Outcome::kIgnored) return {};
    // A threshold of 0 is off; durations are compared only against thresholds set.
    const auto over = [duration](time::Duration threshold) {
      return threshold > time::Duration::zero() && duration > threshold;
    };
    return {outcome == Outcome::kFailure, over(config_.slow_call_duration_threshold),
            over(config_.latency_percentile_threshold) && config_.latency_percentile > 0};
  }
  void after_closed_record(std::uint64_t epoch, CallFlags call, bool window_moved);
  // trip_reason: why the breaker should open now, or nullptr. Updates window_armed_.
  const char* trip_reason();
  WindowTotals window_totals(time::Instant now) const;
  bool wait_in_open_is_over(time::Instant now) const;

  // The rest REQUIRES mutex_ held.
  Permit acquire_probe(time::Instant now);
  void on_record_half_open(Outcome outcome, CallFlags call);
  void transition(BreakerState to, std::string_view reason);
  void enter_open(std::string_view reason);
  void cancel_timers();
  bool half_open_wait_exceeded(time::Instant now) const;

  Permit reject(BreakerState state);
  // ramp_admit: a call in CLOSED during a ramp.
  Permit ramp_admit(std::uint64_t word, time::Instant now);
  // REQUIRES mutex_ held.
  void start_ramp();
  void report_ramp_step(double percent);
  void report(std::string_view what, std::span<const observe::Attribute> attributes);
  // report_outcome: REQUIRES events_ != nullptr.
  void report_outcome(Outcome outcome, CallFlags call, time::Duration duration);

  const std::string name_;
  const CircuitBreakerConfig config_;
  const time::Clock& clock_;
  time::Scheduler* scheduler_;  // null with the Clock constructor
  observe::EventSink* events_;
  TripGuard* guard_;

  // (epoch << 8) | state. The epoch counts transitions; permits carry the epoch they
  // were issued in.
  std::atomic<std::uint64_t> state_word_{0};
  // Read without the mutex by the OPEN fast path; written under it.
  std::atomic<std::int64_t> state_entered_at_ns_{0};
  std::atomic<std::int64_t> current_wait_in_open_ns_{0};
  std::atomic<std::uint32_t> failure_count_{0};
  // window_armed_: the window held at least minimum_calls when last judged. Until it
  // does, every recorded call is judged, since any call may bring it to the minimum.
  std::atomic<bool> window_armed_{false};
  std::atomic<std::uint64_t> transitions_{0};
  std::atomic<std::uint64_t> trips_refused_{0};
  // The ramp after recovery; written under mutex_ except the two counters.
  std::atomic<bool> ramping_{false};
  std::atomic<std::int64_t> ramp_started_at_ns_{0};
  std::atomic<std::uint32_t> ramp_step_{0};
  std::atomic<std::uint64_t> ramp_seen_{0};
  std::atomic<std::uint64_t> ramp_admitted_{0};
  std::array<Shard, kThreadShards> shards_;

  mutable std::mutex mutex_;
  // Guarded by mutex_: trips since the breaker last closed, HALF_OPEN probes handed out
  // and how many succeeded, and the pending timers.
  std::uint32_t trips_since_closed_ = 0;
  std::uint32_t probes_admitted_ = 0;
  std::uint32_t probes_succeeded_ = 0;
  time::TimerId open_timer_;
  time::TimerId half_open_timer_;
};

template <typename Call, typename Classify, typename Fallback>
std::invoke_result_t<Call> CircuitBreaker::execute(Call&& call, Classify&& classify, Fallback&& fallback) {
  Permit permit = try_acquire();
  if (!permit) return fallback();
  auto result = call();
  const Outcome outcome = classify(std::as_const(result));
  permit.record(outcome);
  if (outcome == Outcome::kFailure) return fallback();
  return result;
}

}  // namespace sluice::resilience

#endif  // SLUICE_CORE_RESILIENCE_CIRCUIT_BREAKER_H_
