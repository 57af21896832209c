// Our breaker configured like_article() must behave exactly as the article's
// JavaScript CircuitBreaker on the same calls at the same times.
#include <gtest/gtest.h>

#include <string>

#include "core/resilience/circuit_breaker.h"
#include "core/time/manual_clock.h"
#include "core/time/prng.h"

namespace sluice::resilience {
namespace {

using std::chrono::milliseconds;

// A line-for-line model of the article's class (circuit-breaker.js), for calls whose
// outcome is known when they are made and that take no time.
class ArticleCircuitBreaker {
 public:
  ArticleCircuitBreaker(int failure_threshold, std::int64_t reset_timeout_ms)
      // `options.x || default`: 0 falls back to the default, as in JavaScript.
      : failure_threshold_(failure_threshold ? failure_threshold : 5),
        reset_timeout_ms_(reset_timeout_ms ? reset_timeout_ms : 30000) {}

  // execute(fn, fallback) at Date.now() == now_ms; true if fn ran.
  bool execute(bool fn_throws, std::int64_t now_ms) {
    if (state_ == "OPEN") {
      if (now_ms - last_failure_time_ms_ > reset_timeout_ms_) {
        state_ = "HALF_OPEN";
      } else {
        return false;  // fallback() or 'Circuit breaker is OPEN'
      }
    }
    if (!fn_throws) {
      if (state_ == "HALF_OPEN") {
        state_ = "CLOSED";
        failure_count_ = 0;
      }
      return true;
    }
    ++failure_count_;
    last_failure_time_ms_ = now_ms;
    if (failure_count_ >= failure_threshold_) state_ = "OPEN";
    return true;
  }

  const std::string& state() const { return state_; }

 private:
  int failure_threshold_;
  std::int64_t reset_timeout_ms_;
  int failure_count_ = 0;
  std::int64_t last_failure_time_ms_ = 0;
  std::string state_ = "CLOSED";
};

struct Divergence {
  int call = -1;
  std::string detail;
};

// Drives both with the calls `seed` generates; returns where they first differ.
Divergence run(std::uint64_t seed, int calls, int* transitions) {
  time::Prng prng(seed);
  const int threshold = static_cast<int>(prng.uniform_int(1, 6));
  const std::int64_t reset_timeout_ms = 1000 * prng.uniform_int(1, 15);
  const double failure_probability = 0.1 + 0.8 * prng.uniform_unit();

  ArticleCircuitBreaker article(threshold, reset_timeout_ms);
  time::ManualClock clock;
  CircuitBreaker ours("inventory", CircuitBreakerConfig::like_article(threshold, milliseconds(reset_timeout_ms)),
                      clock);
  std::int64_t now_ms = 0;
  for (int i = 0; i < calls; ++i) {
    // Whole seconds, so calls often land exactly on the reset timeout; now and then
    // one millisecond more.
    now_ms += 1000 * prng.uniform_int(0, 8) + (prng.chance(0.1) ? 1 : 0);
    clock.set(time::Instant(milliseconds(now_ms)));
    const bool fails = prng.chance(failure_probability);

    const bool article_ran = article.execute(fails, now_ms);
    bool ours_ran = false;
    if (CircuitBreaker::Permit permit = ours.try_acquire()) {
      ours_ran = true;
      permit.record(fails ? Outcome::kFailure : Outcome::kSuccess);
    }
    if (article_ran != ours_ran || article.state() != to_string(ours.state())) {
      return {i, "at " + std::to_string(now_ms) + " ms, " + (fails ? "failing" : "succeeding") +
                     " call: article ran=" + std::to_string(article_ran) + " state=" + article.state() +
                     ", ours ran=" + std::to_string(ours_ran) + " state=" + std::string(to_string(ours.state()))};
    }
  }
  *transitions += static_cast<int>(ours.stats().transitions);
  return {};
}

TEST(ArticleDifferentialTest, SameCallsSameTimesSameStates) {
  int transitions = 0;
  for (std::uint64_t seed = 1; seed <= 300; ++seed) {
    const Divergence divergence = run(seed, 400, &transitions);
    ASSERT_EQ(divergence.call, -1) << "seed " << seed << ", call " << divergence.call << ": " << divergence.detail;
  }
  // The sequences must exercise the breaker, not leave it closed.
  EXPECT_GT(transitions, 10'000);
}

TEST(ArticleDifferentialTest, TheModelIsTheArticlesClass) {
  // The article's own example: failureThreshold 3, resetTimeout 15000.
  ArticleCircuitBreaker article(3, 15000);
  EXPECT_TRUE(article.execute(true, 0));
  EXPECT_TRUE(article.execute(false, 1));  // successes do not reset the count
  EXPECT_TRUE(article.execute(true, 2));
  EXPECT_TRUE(article.execute(true, 3));
  EXPECT_EQ(article.state(), "OPEN");
  EXPECT_FALSE(article.execute(false, 15003));  // exactly the timeout: still open
  EXPECT_TRUE(article.execute(false, 15004));
  EXPECT_EQ(article.state(), "CLOSED");
}

}  // namespace
}  // namespace sluice::resilience
