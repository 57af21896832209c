#include "core/resilience/adaptive_limiter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/time/manual_clock.h"
#include "tests/testing/event_recorder.h"

namespace sluice::resilience {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::EventRecorder;
using Permit = AdaptiveLimiter::Permit;

// A small limiter whose probe is quick and whose schedule has no jitter.
AdaptiveLimiterConfig quick() {
  AdaptiveLimiterConfig config;
  config.min_limit = 3;
  config.initial_limit = 10;
  config.max_limit = 200;
  config.minimum_samples = 5;
  config.min_rtt_request_count = 10;
  config.min_rtt_jitter_percent = 0;
  return config;
}

// Service: a dependency that takes `floor` per call up to `capacity` calls at once;
// beyond it, calls queue and take proportionally longer.
struct Service {
  time::Duration floor = milliseconds(10);
  std::uint32_t capacity = 1000;

  time::Duration latency(std::size_t concurrency) const {
    return concurrency <= capacity ? floor : floor * static_cast<std::int64_t>(concurrency) / capacity;
  }
};

// round: offers `offered` calls at once; those admitted run together on `service`
// and succeed. Returns how many were admitted.
std::size_t round(AdaptiveLimiter& limiter, time::ManualClock& clock, const Service& service, std::size_t offered) {
  std::vector<Permit> permits;
  for (std::size_t i = 0; i < offered; ++i) {
    Permit permit = limiter.try_acquire();
    if (permit) permits.push_back(std::move(permit));
  }
  clock.advance(service.latency(permits.size()));
  for (Permit& permit : permits) permit.release(LimitOutcome::kSuccess);
  return permits.size();
}

// finish_probe: calls at the floor until the running probe has what it needs.
void finish_probe(AdaptiveLimiter& limiter, time::ManualClock& clock, const Service& service = {}) {
  for (int i = 0; i < 100 && limiter.phase() == LimiterPhase::kProbing; ++i) round(limiter, clock, service, 1000);
  ASSERT_EQ(limiter.phase(), LimiterPhase::kGradient);
}

// rounds_for: offers `offered` calls per round for `span` of virtual time.
void rounds_for(AdaptiveLimiter& limiter, time::ManualClock& clock, const Service& service, std::size_t offered,
                time::Duration span) {
  const time::Instant end = clock.now() + span;
  while (clock.now() < end) round(limiter, clock, service, offered);
}

// ---- Admission

TEST(AdaptiveLimiterTest, StartsByProbingAtMinLimitAndRejectsExactlyAtIt) {
  time::ManualClock clock;
  EventRecorder events;
  AdaptiveLimiter limiter("order", quick(), clock, 1, &events);
  EXPECT_EQ(limiter.phase(), LimiterPhase::kProbing);  // the floor is not known yet
  EXPECT_EQ(limiter.limit(), 3u);

  std::vector<Permit> permits;
  for (int i = 0; i < 3; ++i) {
    permits.push_back(limiter.try_acquire());
    EXPECT_TRUE(permits.back());
  }
  EXPECT_FALSE(limiter.try_acquire());  // in flight reached the limit
  permits.pop_back();                   // dropped unreleased: the slot is freed
  EXPECT_TRUE(limiter.try_acquire());

  const AdaptiveLimiterStats stats = limiter.stats();
  EXPECT_EQ(stats.accepted, 4u);
  EXPECT_EQ(stats.rejected, 1u);
  EXPECT_EQ(stats.ignored, 2u);  // the dropped permit and the one just made and dropped
  EXPECT_EQ(stats.in_flight, 2u);
  EXPECT_EQ(events.with_prefix("limiter."),
            (std::vector<std::string>{"limiter.probe_started limit=3", "limiter.call_rejected limit=3 in_flight=3"}));
}

TEST(AdaptiveLimiterTest, RejectionsHappenExactlyWhenInFlightReachesTheLearnedLimit) {
  time::ManualClock clock;
  AdaptiveLimiter limiter("order", quick(), clock, 1);
  finish_probe(limiter, clock);
  ASSERT_EQ(limiter.limit(), 10u);  // initial_limit, once the floor is measured

  std::vector<Permit> permits;
  for (int i = 0; i < 10; ++i) {
    permits.push_back(limiter.try_acquire());
    ASSERT_TRUE(permits.back()) << "call " << i;
    EXPECT_EQ(limiter.in_flight(), static_cast<std::uint32_t>(i + 1));
  }
  const std::uint64_t rejected = limiter.stats().rejected;
  EXPECT_FALSE(limiter.try_acquire());
  EXPECT_FALSE(limiter.try_acquire());
  permits[3].release(LimitOutcome::kIgnored);
  EXPECT_TRUE(limiter.try_acquire());  // one slot freed, one call in (and dropped again)
  EXPECT_EQ(limiter.stats().rejected, rejected + 2);
}

// ---- The floor

TEST(AdaptiveLimiterTest, TheFirstProbeMeasuresTheMinimumRtt) {
  time::ManualClock clock;
  EventRecorder events;
  AdaptiveLimiter limiter("order", quick(), clock, 1, &events);
  finish_probe(limiter, clock, Service{.floor = milliseconds(20)});

  const AdaptiveLimiterStats stats = limiter.stats();
  // The histogram reports a bucket's midpoint, within 3.2% of the true value.
  EXPECT_NEAR(static_cast<double>(stats.min_rtt.count()), 20e6, 20e6 * 0.032);
  EXPECT_EQ(stats.limit, 10u);
  EXPECT_EQ(stats.probes, 1u);
  const std::vector<std::string> ended = events.with_prefix("limiter.probe_ended");
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended[0], "limiter.probe_ended min_rtt_ns=" + std::to_string(stats.min_rtt.count()) +
                          " samples=10 limit=10");
}

TEST(AdaptiveLimiterTest, APermitFromBeforeTheProbeIsNotASample) {
  time::ManualClock clock;
  AdaptiveLimiterConfig config = quick();
  config.min_rtt_request_count = 1;
  AdaptiveLimiter limiter("order", config, clock, 1);
  Permit early = limiter.try_acquire();  // issued in the first probe
  finish_probe(limiter, clock);          // ends on another call's sample
  clock.advance(seconds(5));
  early.release(LimitOutcome::kSuccess);  // 5 s: would be a terrible sample
  EXPECT_LT(limiter.stats().min_rtt, milliseconds(11));
  EXPECT_EQ(limiter.stats().succeeded, 3u);  // counted, but not as a sample
}

TEST(AdaptiveLimiterTest, ProbesAgainOnScheduleWithJitterFromTheSeed) {
  AdaptiveLimiterConfig config = quick();
  config.min_rtt_interval = seconds(60);
  config.min_rtt_jitter_percent = 10;
  std::vector<time::Duration> waits;
  for (std::uint64_t seed : {1, 2, 3}) {
    time::ManualClock clock;
    EventRecorder events;
    AdaptiveLimiter limiter("order", config, clock, seed, &events);
    finish_probe(limiter, clock);
    const time::Instant probe_ended = clock.now();
    // Light traffic each 100 ms; note when the next probe begins.
    while (limiter.phase() == LimiterPhase::kGradient && clock.now() < probe_ended + seconds(70)) {
      clock.advance(milliseconds(100));
      round(limiter, clock, Service{.floor = time::Duration::zero()}, 1);
    }
    ASSERT_EQ(limiter.phase(), LimiterPhase::kProbing);
    const time::Duration wait = clock.now() - probe_ended;
    EXPECT_GE(wait, seconds(60));                   // not before the interval
    EXPECT_LE(wait, seconds(66) + milliseconds(100));  // nor after its 10% jitter (and one step)
    EXPECT_EQ(limiter.limit(), 3u);                 // pinned at min_limit while it measures
    EXPECT_EQ(events.with_prefix("limiter.probe_started").size(), 2u);
    waits.push_back(wait);
  }
  // Replicas with other seeds do not probe in step.
  EXPECT_FALSE(waits[0] == waits[1] && waits[1] == waits[2]);
}

TEST(AdaptiveLimiterTest, AProbeRestoresTheLearnedLimitWhenItEnds) {
  time::ManualClock clock;
  AdaptiveLimiterConfig config = quick();
  config.min_rtt_interval = seconds(5);
  AdaptiveLimiter limiter("order", config, clock, 1);
  const Service service;
  finish_probe(limiter, clock, service);
  rounds_for(limiter, clock, service, 1000, seconds(2));  // grows the limit
  const std::uint32_t learned = limiter.limit();
  ASSERT_GT(learned, 10u);
  // Quiet (under half the limit: it stays) until the next probe.
  for (int i = 0; i < 10'000 && limiter.phase() == LimiterPhase::kGradient; ++i) {
    round(limiter, clock, Service{.floor = milliseconds(1)}, 1);
  }
  ASSERT_EQ(limiter.phase(), LimiterPhase::kProbing);
  EXPECT_EQ(limiter.limit(), 3u);
  EXPECT_EQ(limiter.stats().learned_limit, learned);
  finish_probe(limiter, clock, service);
  EXPECT_EQ(limiter.limit(), learned);
}

TEST(AdaptiveLimiterTest, AProbeWithTooFewCallsEndsAtItsMaximumWithWhatItHas) {
  time::ManualClock clock;
  AdaptiveLimiterConfig config = quick();
  config.min_rtt_probe_max = seconds(2);
  AdaptiveLimiter limiter("order", config, clock, 1);
  round(limiter, clock, Service{.floor = milliseconds(30)}, 1);  // one sample of the 10 wanted
  clock.advance(seconds(2));
  EXPECT_TRUE(limiter.try_acquire());  // the first call past the probe's maximum ends it
  EXPECT_EQ(limiter.phase(), LimiterPhase::kGradient);
  EXPECT_NEAR(static_cast<double>(limiter.stats().min_rtt.count()), 30e6, 30e6 * 0.032);
}

TEST(AdaptiveLimiterTest, AProbeWithNothingMeasuredGoesOnUntilItHasASample) {
  time::ManualClock clock;
  AdaptiveLimiter limiter("order", quick(), clock, 1);
  clock.advance(seconds(10));  // no traffic at all
  limiter.try_acquire().release(LimitOutcome::kIgnored);
  EXPECT_EQ(limiter.phase(), LimiterPhase::kProbing);  // a floor of 0 would be a lie
  clock.advance(seconds(2));
  round(limiter, clock, Service{}, 1);
  clock.advance(seconds(2));
  limiter.try_acquire().release(LimitOutcome::kIgnored);
  EXPECT_EQ(limiter.phase(), LimiterPhase::kGradient);
}

// ---- The gradient

TEST(AdaptiveLimiterTest, TheLimitGrowsWhileLatencyStaysAtTheFloor) {
  time::ManualClock clock;
  EventRecorder events;
  AdaptiveLimiter limiter("order", quick(), clock, 1, &events);
  const Service service;  // 10 ms whatever the load
  finish_probe(limiter, clock, service);
  std::vector<std::uint32_t> limits = {limiter.limit()};
  for (int window = 0; window < 10; ++window) {
    rounds_for(limiter, clock, service, 1000, milliseconds(100));
    limits.push_back(limiter.limit());
  }
  EXPECT_TRUE(std::is_sorted(limits.begin(), limits.end()));
  EXPECT_EQ(limits.back(), 200u);  // up to max_limit, and no further
  // The first step: gradient 1.25 (the buffer over a sample at the floor), plus headroom.
  EXPECT_EQ(events.with_prefix("limiter.limit_changed").front().substr(0, 59),
            "limiter.limit_changed from=10 to=16 reason=gradient sample_");
}

TEST(AdaptiveLimiterTest, TheLimitShrinksWhenLatencyRisesWithLoadAndSettlesNearCapacity) {
  time::ManualClock clock;
  AdaptiveLimiter limiter("order", quick(), clock, 1);
  finish_probe(limiter, clock);
  rounds_for(limiter, clock, Service{}, 1000, seconds(1));
  ASSERT_EQ(limiter.limit(), 200u);
  // The dependency can now do 20 at a time; beyond that calls queue.
  const Service slow{.capacity = 20};
  std::vector<std::uint32_t> limits;
  for (int window = 0; window < 30; ++window) {
    rounds_for(limiter, clock, slow, 1000, milliseconds(100));
    limits.push_back(limiter.limit());
  }
  EXPECT_LT(limits[3], 100u);  // halved at least once per window at first
  // Settled: near capacity, never far above it (latency at most ~2.5x the floor).
  for (std::size_t i = 10; i < limits.size(); ++i) {
    EXPECT_GE(limits[i], 10u) << "window " << i;
    EXPECT_LE(limits[i], 50u) << "window " << i;
  }
  EXPECT_GT(limiter.stats().rejected, 0u);
}

TEST(AdaptiveLimiterTest, AnIdleServiceDoesNotGrowItsLimit) {
  time::ManualClock clock;
  AdaptiveLimiter limiter("order", quick(), clock, 1);
  finish_probe(limiter, clock);
  rounds_for(limiter, clock, Service{}, 4, seconds(2));  // 4 at a time, under half of 10
  EXPECT_EQ(limiter.limit(), 10u);
  rounds_for(limiter, clock, Service{}, 5, milliseconds(200));  // half: it may grow
  EXPECT_GT(limiter.limit(), 10u);
}

TEST(AdaptiveLimiterTest, ADroppedCallCutsTheLimitMultiplicatively) {
  time::ManualClock clock;
  EventRecorder events;
  AdaptiveLimiter limiter("order", quick(), clock, 1, &events);
  finish_probe(limiter, clock);
  rounds_for(limiter, clock, Service{}, 1000, milliseconds(300));
  const std::uint32_t before = limiter.limit();
  events.lines.clear();
  limiter.try_acquire().release(LimitOutcome::kDropped);  // a timeout
  rounds_for(limiter, clock, Service{}, 1000, milliseconds(100));
  // The window with the drop ends with the limit cut by drop_backoff_ratio (0.9).
  const std::vector<std::string> changes = events.with_prefix("limiter.limit_changed");
  ASSERT_FALSE(changes.empty());
  EXPECT_EQ(changes.front().substr(0, changes.front().find(" sample_rtt_ns")),
            "limiter.limit_changed from=" + std::to_string(before) + " to=" + std::to_string(before * 9 / 10) +
                " reason=drop");
  EXPECT_EQ(limiter.stats().dropped, 1u);
}

TEST(AdaptiveLimiterTest, SmoothingMovesTheLimitPartWay) {
  time::ManualClock clock;
  AdaptiveLimiterConfig config = quick();
  config.smoothing = 0.5;
  AdaptiveLimiter limiter("order", config, clock, 1);
  finish_probe(limiter, clock);
  rounds_for(limiter, clock, Service{}, 1000, milliseconds(100));
  EXPECT_EQ(limiter.limit(), 13u);  // halfway from 10 to 16
}

TEST(AdaptiveLimiterTest, AWindowWithTooFewSamplesGoesOnUntilItHasThem) {
  time::ManualClock clock;
  AdaptiveLimiterConfig config = quick();
  config.minimum_samples = 20;
  AdaptiveLimiter limiter("order", config, clock, 1);
  finish_probe(limiter, clock);
  const Service slow{.floor = milliseconds(50)};  // 5x the floor: the limit would shrink
  for (int i = 0; i < 4; ++i) {
    round(limiter, clock, slow, 5);  // 5 samples
    EXPECT_EQ(limiter.limit(), 10u) << "after " << (i + 1) * 5 << " samples";
    clock.advance(milliseconds(200));  // two windows' time, but too few samples to judge
  }
  EXPECT_TRUE(limiter.try_acquire());  // the next deadline with 20 samples: judged
  EXPECT_LT(limiter.limit(), 10u);
}

TEST(AdaptiveLimiterTest, SittingAtTheFloorStartsAProbeEarly) {
  time::ManualClock clock;
  EventRecorder events;
  AdaptiveLimiter limiter("order", quick(), clock, 1, &events);
  finish_probe(limiter, clock, Service{.floor = milliseconds(1)});
  // The service became 20x slower for good: the old floor says "overloaded" forever.
  const Service slower{.floor = milliseconds(20)};
  rounds_for(limiter, clock, slower, 1000, seconds(2));
  EXPECT_GE(events.with_prefix("limiter.probe_started").size(), 2u);  // long before 60 s
  finish_probe(limiter, clock, slower);
  EXPECT_NEAR(static_cast<double>(limiter.stats().min_rtt.count()), 20e6, 20e6 * 0.032);
  rounds_for(limiter, clock, slower, 1000, seconds(1));
  EXPECT_GT(limiter.limit(), 3u);  // growing again against the new floor
}

// ---- Config

TEST(AdaptiveLimiterConfigTest, TheDefaultsAreValid) { EXPECT_TRUE(AdaptiveLimiterConfig().validate().ok()); }

TEST(AdaptiveLimiterConfigTest, BadConfigsAreRejectedNamingTheField) {
  const auto error = [](auto change) {
    AdaptiveLimiterConfig config;
    change(config);
    return config.validate().message();
  };
  EXPECT_EQ(error([](auto& c) { c.min_limit = 0; }), "min_limit must be at least 1: with none no call could run");
  EXPECT_EQ(error([](auto& c) { c.max_limit = 2; }), "max_limit (2) cannot be below min_limit (10)");
  EXPECT_EQ(error([](auto& c) { c.max_limit = 2'000'000; }), "max_limit must be at most 1000000; got 2000000");
  EXPECT_EQ(error([](auto& c) { c.initial_limit = 2000; }),
            "initial_limit must be within [min_limit, max_limit] = [10, 1000]; got 2000");
  EXPECT_EQ(error([](auto& c) { c.sample_window = time::Duration::zero(); }),
            "sample_window must be positive; got 0 ms");
  EXPECT_EQ(error([](auto& c) { c.minimum_samples = 0; }), "minimum_samples must be at least 1");
  EXPECT_EQ(error([](auto& c) { c.sample_percentile = 0; }), "sample_percentile must be in (0, 100]; got 0");
  EXPECT_EQ(error([](auto& c) { c.min_rtt_buffer_percent = -1; }),
            "min_rtt_buffer_percent must be in [0, 1000]; got -1");
  EXPECT_EQ(error([](auto& c) { c.smoothing = 0; }), "smoothing must be in (0, 1]; got 0");
  EXPECT_EQ(error([](auto& c) { c.drop_backoff_ratio = 1; }), "drop_backoff_ratio must be in (0, 1); got 1");
  EXPECT_EQ(error([](auto& c) { c.min_rtt_interval = -seconds(1); }),
            "min_rtt_interval must be positive; got -1000 ms");
  EXPECT_EQ(error([](auto& c) { c.min_rtt_jitter_percent = 101; }),
            "min_rtt_jitter_percent must be in [0, 100]; got 101");
  EXPECT_EQ(error([](auto& c) { c.min_rtt_request_count = 0; }),
            "min_rtt_request_count must be at least 1: a probe must measure something");
  EXPECT_EQ(error([](auto& c) { c.min_rtt_probe_max = time::Duration::zero(); }),
            "min_rtt_probe_max must be positive; got 0 ms");
}

}  // namespace
}  // namespace sluice::resilience
