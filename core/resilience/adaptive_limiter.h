// adaptive_limiter.h: AdaptiveLimiter, which learns how many calls a service can
// handle at once from the latency it observes, and refuses calls beyond that: load
// shedding that needs no hand-tuned limit.
//
//   AdaptiveLimiter limiter("order", config, clock, /*seed=*/42, &events);
//   AdaptiveLimiter::Permit permit = limiter.try_acquire();
//   if (!permit) return reply_503_retry_after();   // over the limit: shed, cheaply
//   handle(request, [permit = std::move(permit)](Reply reply) mutable {
//     permit.release(reply.timed_out ? LimitOutcome::kDropped : LimitOutcome::kSuccess);
//   });
//
// Why this algorithm. Little's law says concurrency = throughput x latency: while the
// latency stays at its floor (the minimum RTT) the service has spare capacity and more
// concurrency buys throughput; once latency climbs above the floor, extra concurrency
// only queues. The limiter is the gradient controller of Envoy's adaptive_concurrency
// filter, with two guards from Netflix's concurrency-limits:
//   - every sample window the limit becomes limit * gradient + sqrt(limit * gradient),
//     gradient = clamp(minRTT * (1 + buffer) / sampleRTT, 0.5, 2), the sqrt being
//     headroom for bursts; sampleRTT is a percentile (p50) of the window, robust to a
//     few slow calls;
//   - minRTT is measured, not guessed: a probe pins the limit at min_limit (so nothing
//     queues) and takes the percentile of its calls' latencies, at start-up and then
//     periodically with jitter, or early when the limit has sat at its floor for a few
//     windows (the floor has probably moved);
//   - (Netflix) the limit grows only when the service used at least half of it in the
//     window: an idle service does not talk itself into a huge limit;
//   - (Netflix) a dropped call (a timeout, an overloaded dependency) in a window cuts the
//     limit multiplicatively, as AIMD does, instead of following the gradient.
// Not Vegas: it estimates the queue from a min RTT it never re-measures under load and
// grows additively (slow to find a high limit). Not Gradient2 alone: its long-term
// average RTT drifts up under sustained overload, so the limit settles on an inflated
// latency; a measured floor does not drift. The price is the probe: for the few hundred
// milliseconds it lasts, calls beyond min_limit are refused.
//
// Phases and what moves them (time is read from the clock on every call; deadlines are
// acted on by the first call that finds them passed, so there are no timers):
//
//   phase      | try_acquire()                  | permit.release(outcome)             | deadline passed
//   -----------+--------------------------------+-------------------------------------+-------------------------------
//   PROBING    | admit while in_flight <        | kSuccess of a permit issued in this | min_rtt_probe_max since the
//              |   min_limit, else reject       |   probe: a sample; the              |   probe began: -> GRADIENT with
//              |                                |   min_rtt_request_count-th sample:  |   the samples it has (none and
//              |                                |   minRTT := percentile, limit back  |   no minRTT yet: probe on)
//              |                                |   to what it was -> GRADIENT        |
//   GRADIENT   | admit while in_flight < limit, | kSuccess: a latency sample;         | end of the sample window: limit
//              |   else reject                  |   kDropped: a drop in the window;   |   from the gradient (or cut, on a
//              |                                |   kIgnored: nothing (frees the slot)|   drop); next probe time -> PROBING
//
//   Every release frees its slot (in_flight - 1) whatever the outcome. A permit issued
//   in another phase (before a probe began or ended) frees its slot but its outcome
//   is not a sample: its latency was measured at another concurrency.
//   The limiter starts PROBING (min RTT is unknown), at min_limit; the first probe's end
//   sets the limit to initial_limit.
//
// Events, if a sink is given: "limiter.call_rejected" (limit, in_flight),
// "limiter.limit_changed" (from, to, reason "gradient" | "drop", sample_rtt_ns,
// min_rtt_ns), "limiter.probe_started" (limit), "limiter.probe_ended" (min_rtt_ns,
// samples, limit).
//
// Thread-safe and cheap: try_acquire() is a compare-and-swap on the in-flight count;
// release() a decrement and a relaxed increment of a latency bucket in the calling
// thread's own shard. The sample window's latencies are the difference of the shards'
// cumulative histograms between two window ends, so recording takes no lock; the
// window's end, a probe's start and end take a mutex (try-lock: a thread that finds it
// taken goes on, the holder does the work). Shortcuts, by design: a sample recorded
// while a window closes may count in the next; the in-flight peak a window remembers
// (for the "used half of it" rule) may miss a concurrent peak. Admission is exact:
// a call is refused exactly when in_flight has reached the limit. Event sinks are
// called from the calling thread (with the mutex held for the rare events) and must be
// thread-safe when the limiter is used from several threads.
//
// REQUIRES: the clock and the event sink outlive the limiter, and the limiter outlives
// its permits.
#ifndef SLUICE_CORE_RESILIENCE_ADAPTIVE_LIMITER_H_
#define SLUICE_CORE_RESILIENCE_ADAPTIVE_LIMITER_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "core/base/cache_line.h"
#include "core/base/thread_shard.h"
#include "core/observe/event.h"
#include "core/observe/latency_histogram.h"
#include "core/resilience/adaptive_limiter_config.h"
#include "core/time/clock.h"
#include "core/time/prng.h"

namespace sluice::resilience {

// LimitOutcome: how a call ended, as the limiter learns from it.
enum class LimitOutcome : std::uint8_t {
  kSuccess,  // answered: its latency is a sample
  kDropped,  // timed out, or refused further down for overload: a drop signal
  kIgnored,  // says nothing about load (a cancelled call, a caller's error)
};

enum class LimiterPhase : std::uint8_t { kProbing, kGradient };

// to_string: "PROBING", "GRADIENT".
std::string_view to_string(LimiterPhase phase);

// AdaptiveLimiterStats: counters since construction and the present numbers.
struct AdaptiveLimiterStats {
  LimiterPhase phase = LimiterPhase::kProbing;
  std::uint32_t limit = 0;          // what admission compares with now (min_limit while probing)
  std::uint32_t learned_limit = 0;  // the gradient's limit, restored after a probe
  std::uint32_t in_flight = 0;
  std::uint64_t accepted = 0;
  std::uint64_t rejected = 0;
  std::uint64_t succeeded = 0;
  std::uint64_t dropped = 0;
  std::uint64_t ignored = 0;  // including permits dropped unreleased
  time::Duration min_rtt{};     // 0 until the first probe ends
  time::Duration sample_rtt{};  // of the last sample window that set the limit
  std::uint64_t limit_changes = 0;
  std::uint64_t probes = 0;  // started, the first one included
};

class AdaptiveLimiter {
 public:
  // Permit: one admitted call's slot. Move-only; falsy when the call was rejected.
  class Permit {
   public:
    Permit() = default;
    Permit(Permit&& other) noexcept { *this = std::move(other); }
    Permit& operator=(Permit&& other) noexcept;
    Permit(const Permit&) = delete;
    Permit& operator=(const Permit&) = delete;
    ~Permit();

    explicit operator bool() const { return limiter_ != nullptr; }

    // release: the call ended with `outcome`; its latency is measured on the limiter's
    // clock since try_acquire(). A permit releases once; one destroyed unreleased is
    // released as kIgnored.
    void release(LimitOutcome outcome);
    // release: the same with a latency the caller measured.
    void release(LimitOutcome outcome, time::Duration latency);

   private:
    friend class AdaptiveLimiter;
    Permit(AdaptiveLimiter* limiter, time::Instant started, std::uint64_t epoch)
        : limiter_(limiter), started_(started), epoch_(epoch) {}

    AdaptiveLimiter* limiter_ = nullptr;  // null once released, or when rejected
    time::Instant started_;
    std::uint64_t epoch_ = 0;
  };

  // AdaptiveLimiter: `seed` draws the jitter of the probe schedule.
  // REQUIRES: config.validate().ok().
  AdaptiveLimiter(std::string name, AdaptiveLimiterConfig config, const time::Clock& clock, std::uint64_t seed,
                  observe::EventSink* events = nullptr);

  AdaptiveLimiter(const AdaptiveLimiter&) = delete;
  AdaptiveLimiter& operator=(const AdaptiveLimiter&) = delete;

  // try_acquire: a permit for one call, or a falsy one when in_flight has reached the
  // limit.
  Permit try_acquire();

  // limit: what admission compares with now.
  std::uint32_t limit() const { return admit_limit_.load(std::memory_order_relaxed); }
  std::uint32_t in_flight() const { return in_flight_.load(std::memory_order_relaxed); }
  LimiterPhase phase() const { return phase_of(phase_word_.load(std::memory_order_acquire)); }
  const std::string& name() const { return name_; }
  const AdaptiveLimiterConfig& config() const { return config_; }
  AdaptiveLimiterStats stats() const;

 private:
  // Shard: what the threads mapped to it counted; cumulative, never reset. Owners count
  // with relaxed load + store, guests with fetch_add (see thread_shard.h).
  struct alignas(kCacheLine) Shard {
    std::array<std::atomic<std::uint64_t>, observe::LatencyHistogram::kBuckets> latency{};  // samples
    std::atomic<std::uint64_t> accepted{0};
    std::atomic<std::uint64_t> rejected{0};
    std::atomic<std::uint64_t> succeeded{0};
    std::atomic<std::uint64_t> dropped{0};
    std::atomic<std::uint64_t> drop_signals{0};  // drops of permits issued in the phase they ended in
    std::atomic<std::uint64_t> ignored{0};
  };

  // The phase word: (epoch << 1) | probing. The epoch counts phase changes; permits
  // carry the epoch they were issued in.
  static std::uint64_t pack(LimiterPhase phase, std::uint64_t epoch) {
    return (epoch << 1) | (phase == LimiterPhase::kProbing ? 1 : 0);
  }
  static LimiterPhase phase_of(std::uint64_t word) {
    return (word & 1) != 0 ? LimiterPhase::kProbing : LimiterPhase::kGradient;
  }
  static std::uint64_t epoch_of(std::uint64_t word) { return word >> 1; }

  Permit reject(std::uint32_t limit, std::uint32_t in_flight);
  void on_release(std::uint64_t epoch, LimitOutcome outcome, time::Duration latency, time::Instant now);
  // on_deadline: acts on whatever deadline has passed (try-lock).
  void on_deadline(time::Instant now);

  // The rest REQUIRES mutex_ held.
  void act_on_deadlines(time::Instant now);
  void start_probe(time::Instant now);
  void end_probe(time::Instant now);
  void end_window(time::Instant now);
  // samples_since_taken: the samples and drop signals since the last snapshot (taken_*).
  // With `take`, the snapshot moves to now.
  observe::LatencyHistogram samples_since_taken(std::uint64_t* drop_signals, bool take);
  void set_phase(LimiterPhase phase);
  void set_limit(std::uint32_t to, std::string_view reason);
  time::Duration jittered_interval();
  void schedule_next_check();
  void report(std::string_view what, std::span<const observe::Attribute> attributes);

  const std::string name_;
  const AdaptiveLimiterConfig config_;
  const time::Clock& clock_;
  observe::EventSink* events_;

  // Read on every call.
  std::atomic<std::uint64_t> phase_word_{0};
  std::atomic<std::uint32_t> admit_limit_{0};
  std::atomic<std::int64_t> next_check_ns_{0};  // the earliest deadline to act on
  // Written on every admission and release, by every thread: on a line of their own.
  alignas(kCacheLine) std::atomic<std::uint32_t> in_flight_{0};
  std::atomic<std::uint32_t> window_peak_in_flight_{0};
  std::atomic<std::uint32_t> probe_samples_{0};  // successes of this probe's permits
  alignas(kCacheLine) std::array<Shard, kThreadShards> shards_;

  mutable std::mutex mutex_;
  // Guarded by mutex_.
  std::uint32_t learned_limit_;
  time::Duration min_rtt_{};
  time::Duration sample_rtt_{};
  time::Instant probe_deadline_;   // when a probe ends with what it has
  time::Instant window_deadline_;  // when the sample window ends (if it has enough)
  time::Instant next_probe_at_;
  std::uint32_t windows_at_min_limit_ = 0;
  std::array<std::uint64_t, observe::LatencyHistogram::kBuckets> taken_latency_{};
  std::uint64_t taken_drop_signals_ = 0;
  std::uint64_t limit_changes_ = 0;
  std::uint64_t probes_ = 0;
  time::Prng prng_;
};

}  // namespace sluice::resilience

#endif  // SLUICE_CORE_RESILIENCE_ADAPTIVE_LIMITER_H_
