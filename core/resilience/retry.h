// retry.h: Retry, when to try a failed call again and how long to wait first.
//
// A sans-I/O policy: it never sleeps or calls anything. For each call, start() gives a
// RetryState; after each failed attempt ask it what to do, then wait (on your own
// timer, or the Scheduler) and try again:
//
//   Retry retry(config, prng.fork(), &budget);
//   RetryState state = retry.start();          // counts the request in the budget
//   for (;;) {
//     Reply reply = call();
//     if (reply.ok()) break;
//     RetryDecision next = state.on_failure(reply.is_retryable());
//     if (!next.retry) return reply;           // next.reason says why not
//     scheduler.schedule_after(next.delay, ...);
//   }
//
// Backoff for retry n (1-based) starts from base(n) = min(max_backoff,
// initial_backoff × multiplier^(n-1)), then jitter (from the AWS architecture blog's
// "Exponential Backoff And Jitter"):
//   kNone          base(n)
//   kFull          uniform in [0, base(n)]
//   kEqual         base(n)/2 + uniform in [0, base(n)/2]
//   kDecorrelated  min(max_backoff, uniform in [initial_backoff, 3 × previous delay])
// Randomness comes from the Prng given, so a seed replays every delay exactly.
// A Retry is externally synchronised (give each thread its own, sharing the budget).
#ifndef SLUICE_CORE_RESILIENCE_RETRY_H_
#define SLUICE_CORE_RESILIENCE_RETRY_H_

#include <array>
#include <chrono>
#include <cstdint>
#include <string_view>
#include <utility>

#include "core/base/status.h"
#include "core/resilience/retry_budget.h"
#include "core/time/prng.h"

namespace sluice::resilience {

enum class Jitter : std::uint8_t { kNone, kFull, kEqual, kDecorrelated };

// kJitterNames: the names configuration files use for each Jitter.
inline constexpr std::array<std::pair<std::string_view, Jitter>, 4> kJitterNames = {{
    {"none", Jitter::kNone},
    {"full", Jitter::kFull},
    {"equal", Jitter::kEqual},
    {"decorrelated", Jitter::kDecorrelated},
}};

// exponential_backoff: min(max, initial × multiplier^(n-1)) for the n-th (1-based)
// delay of a backoff, without jitter. REQUIRES: n >= 1, multiplier >= 1.
time::Duration exponential_backoff(time::Duration initial, double multiplier, time::Duration max, std::uint32_t n);

struct RetryConfig {
  std::uint32_t max_attempts = 3;  // including the first; 1 means never retry
  time::Duration initial_backoff = std::chrono::milliseconds(100);
  double multiplier = 2.0;
  time::Duration max_backoff = std::chrono::seconds(10);
  Jitter jitter = Jitter::kFull;

  Status validate() const;
};

// RetryDecision: what to do after a failed attempt.
struct RetryDecision {
  bool retry = false;
  time::Duration delay{};   // wait this long first, when retry
  std::string_view reason;  // when not: "not_retryable", "attempts_exhausted", "budget_exhausted"
};

class Retry;

// RetryState: one call's attempts.
class RetryState {
 public:
  // on_failure: the latest attempt failed; `retryable` is the caller's verdict on the
  // error (a timeout or 503 usually is, a 400 is not).
  RetryDecision on_failure(bool retryable);

  // attempts: attempts made so far, counting the first.
  std::uint32_t attempts() const { return attempts_; }

 private:
  friend class Retry;
  explicit RetryState(Retry& retry) : retry_(&retry) {}

  Retry* retry_;
  std::uint32_t attempts_ = 1;
  time::Duration previous_delay_{};
};

class Retry {
 public:
  // REQUIRES: config.validate().ok(); the budget, if any, outlives the Retry.
  Retry(RetryConfig config, time::Prng prng, RetryBudget* budget = nullptr);

  // start: a call's first attempt is being made.
  RetryState start();

  // backoff: the delay before retry `retry_number` (1-based), given the previous one.
  time::Duration backoff(std::uint32_t retry_number, time::Duration previous_delay);

  const RetryConfig& config() const { return config_; }

 private:
  friend class RetryState;

  RetryConfig config_;
  time::Prng prng_;
  RetryBudget* budget_;
};

}  // namespace sluice::resilience

#endif  // SLUICE_CORE_RESILIENCE_RETRY_H_
