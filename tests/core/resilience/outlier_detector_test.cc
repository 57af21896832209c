#include "core/resilience/outlier_detector.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "core/time/virtual_time.h"
#include "tests/testing/event_recorder.h"

namespace sluice::resilience {
namespace {

using std::chrono::seconds;
using testing::EventRecorder;

std::vector<std::string> hosts(int n) {
  std::vector<std::string> names;
  for (int i = 0; i < n; ++i) names.push_back("h" + std::to_string(i));
  return names;
}

// Only the detector under test, ejecting whenever it fires, at most half the hosts.
OutlierDetectionConfig only_consecutive_5xx(std::uint32_t n) {
  OutlierDetectionConfig config;
  config.consecutive_5xx = n;
  config.consecutive_gateway_failure = 0;
  config.enforcing_success_rate = 0;
  config.max_ejection_percent = 50;
  return config;
}

void replies(OutlierDetector& detector, std::size_t host, int status, int count) {
  for (int i = 0; i < count; ++i) detector.record(host, status);
}

TEST(OutlierDetectorTest, ConsecutiveFiveHundredsEjectAtOnceAndTheHostReturnsAfterTheBaseTime) {
  time::VirtualTime time;
  EventRecorder events;
  OutlierDetector detector(hosts(4), only_consecutive_5xx(3), time, time::Prng(1), &events);

  time.run_for(seconds(1));
  replies(detector, 0, 500, 2);
  detector.record(0, 200);  // a success starts the count again
  replies(detector, 0, 503, 2);
  EXPECT_FALSE(detector.is_ejected(0));
  detector.record(0, 500);  // the third in a row
  EXPECT_TRUE(detector.is_ejected(0));
  EXPECT_EQ(events.lines.back(), "outlier.ejected host=h0 detector=consecutive_5xx ejections=1");

  // Ejected at 1 s for 30 s: intervals at 10, 20, 30 s keep it out; at 40 s it returns.
  time.run_until(time::Instant(seconds(39)));
  EXPECT_TRUE(detector.is_ejected(0));
  time.run_until(time::Instant(seconds(40)));
  EXPECT_FALSE(detector.is_ejected(0));
  EXPECT_EQ(events.lines.back(), "outlier.returned host=h0");
}

TEST(OutlierDetectorTest, RepeatedEjectionsLastLongerUpToTheMaximumAndGoodIntervalsForgiveThem) {
  time::VirtualTime time;
  OutlierDetectionConfig config = only_consecutive_5xx(1);
  config.base_ejection_time = seconds(10);
  config.max_ejection_time = seconds(25);
  config.interval = seconds(1);
  OutlierDetector detector(hosts(2), config, time, time::Prng(1));

  std::vector<std::int64_t> ejected_for_s;
  for (int round = 0; round < 3; ++round) {
    const time::Instant start = time.now();
    detector.record(0, 500);
    ASSERT_TRUE(detector.is_ejected(0));
    while (detector.is_ejected(0)) time.run_next();
    ejected_for_s.push_back(std::chrono::duration_cast<seconds>(time.now() - start).count());
  }
  EXPECT_EQ(ejected_for_s, (std::vector<std::int64_t>{10, 20, 25}));  // ×1, ×2, capped
  EXPECT_EQ(detector.ejection_count(0), 3u);
  time.run_for(seconds(2));  // two healthy intervals
  EXPECT_EQ(detector.ejection_count(0), 1u);
}

TEST(OutlierDetectorTest, GatewayFailuresCountOnly502To504) {
  time::VirtualTime time;
  OutlierDetectionConfig config = only_consecutive_5xx(0);
  config.consecutive_gateway_failure = 3;
  config.enforcing_consecutive_gateway_failure = 100;
  EventRecorder events;
  OutlierDetector detector(hosts(2), config, time, time::Prng(1), &events);
  detector.record(0, 502);
  detector.record(0, 504);
  detector.record(0, 500);  // a 5xx, but not a gateway failure: the run starts again
  detector.record(0, 503);
  detector.record(0, 502);
  EXPECT_FALSE(detector.is_ejected(0));
  detector.record(0, 504);
  EXPECT_TRUE(detector.is_ejected(0));
  EXPECT_EQ(events.lines.back(), "outlier.ejected host=h0 detector=consecutive_gateway_failure ejections=1");
}

TEST(OutlierDetectorTest, SuccessRateEjectsHostsFarBelowTheMean) {
  time::VirtualTime time;
  OutlierDetectionConfig config = only_consecutive_5xx(0);
  config.enforcing_success_rate = 100;
  OutlierDetector detector(hosts(10), config, time, time::Prng(1));
  for (std::size_t h = 0; h < 9; ++h) {
    replies(detector, h, 200, 99);
    replies(detector, h, 500, 1);
  }
  replies(detector, 9, 200, 60);  // 60%: far below the others' 99%
  replies(detector, 9, 500, 40);
  time.run_for(seconds(10));
  for (std::size_t h = 0; h < 9; ++h) EXPECT_FALSE(detector.is_ejected(h)) << h;
  EXPECT_TRUE(detector.is_ejected(9));
  EXPECT_EQ(detector.stats().ejections_success_rate, 1u);
}

TEST(OutlierDetectorTest, SuccessRateJudgesNothingWithoutEnoughHostsOfEnoughVolume) {
  time::VirtualTime time;
  OutlierDetectionConfig config = only_consecutive_5xx(0);
  config.enforcing_success_rate = 100;  // minimum 5 hosts of 100 requests each
  OutlierDetector detector(hosts(10), config, time, time::Prng(1));
  auto interval = [&](int hosts_with_volume) {
    for (int h = 0; h < hosts_with_volume - 1; ++h) replies(detector, h, 200, 100);
    replies(detector, 9, 500, 100);                                                 // a host failing everything
    for (int h = hosts_with_volume - 1; h < 9; ++h) replies(detector, h, 200, 99);  // just too few
    time.run_for(seconds(10));
  };
  interval(4);  // 4 hosts with volume: below the minimum, nobody is judged
  EXPECT_FALSE(detector.is_ejected(9));
  interval(5);  // 5: mean 80, stdev 40, threshold 80 - 1.9 × 40 = 4; 0% is below it
  EXPECT_TRUE(detector.is_ejected(9));
}

TEST(OutlierDetectorTest, FailurePercentageEjectsAtTheThreshold) {
  time::VirtualTime time;
  OutlierDetectionConfig config = only_consecutive_5xx(0);
  config.enforcing_failure_percentage = 100;
  config.failure_percentage_threshold = 50;
  config.failure_percentage_minimum_hosts = 3;
  config.failure_percentage_request_volume = 10;
  OutlierDetector detector(hosts(4), config, time, time::Prng(1));
  replies(detector, 0, 200, 10);
  replies(detector, 1, 200, 10);
  replies(detector, 2, 500, 5);  // exactly 50%
  replies(detector, 2, 200, 5);
  replies(detector, 3, 500, 4);  // 44%
  replies(detector, 3, 200, 5);
  time.run_for(seconds(10));
  EXPECT_TRUE(detector.is_ejected(2));
  EXPECT_FALSE(detector.is_ejected(3));
}

TEST(OutlierDetectorTest, NeverEjectsMoreThanTheMaximumShare) {
  time::VirtualTime time;
  OutlierDetectionConfig config = only_consecutive_5xx(1);
  config.max_ejection_percent = 30;
  OutlierDetector detector(hosts(10), config, time, time::Prng(1));
  for (std::size_t h = 0; h < 6; ++h) detector.record(h, 500);
  EXPECT_EQ(detector.stats().ejected_now, 3u);  // 0%, 10%, 20% allow one more each; 30% stops
  EXPECT_EQ(detector.stats().ejections_overflow, 3u);
}

TEST(OutlierDetectorTest, EnforcingIsAProbabilityReplayedBySeed) {
  auto ejections = [](std::uint64_t seed) {
    time::VirtualTime time;
    OutlierDetectionConfig config = only_consecutive_5xx(1);
    config.enforcing_consecutive_5xx = 50;
    config.max_ejection_percent = 100;
    OutlierDetector detector(hosts(200), config, time, time::Prng(seed));
    for (std::size_t h = 0; h < 200; ++h) detector.record(h, 500);
    return detector.stats().ejected_now;
  };
  EXPECT_NEAR(ejections(1), 100, 20);
  EXPECT_EQ(ejections(1), ejections(1));
}

TEST(OutlierDetectorTest, RoundRobinSkipsEjectedHostsAndPanicsWhenAllAreOut) {
  time::VirtualTime time;
  OutlierDetectionConfig config = only_consecutive_5xx(1);
  config.max_ejection_percent = 100;
  OutlierDetector detector(hosts(3), config, time, time::Prng(1));
  detector.record(1, 500);
  std::vector<std::size_t> picks;
  for (int i = 0; i < 4; ++i) picks.push_back(detector.pick_round_robin());
  EXPECT_EQ(picks, (std::vector<std::size_t>{0, 2, 0, 2}));  // h1 is out

  detector.record(0, 500);
  detector.record(2, 500);
  std::map<std::size_t, int> seen;
  for (int i = 0; i < 3; ++i) ++seen[detector.pick_round_robin()];
  EXPECT_EQ(seen.size(), 3u);  // panic: every host, as Envoy does
  EXPECT_EQ(detector.stats().panic_picks, 3u);
}

TEST(OutlierDetectorTest, LeastRequestPrefersTheLessBusyOfTwoAndSkipsEjectedHosts) {
  time::VirtualTime time;
  OutlierDetectionConfig config = only_consecutive_5xx(1);
  OutlierDetector detector(hosts(3), config, time, time::Prng(4));
  detector.record(2, 500);                                  // ejected
  for (int i = 0; i < 5; ++i) detector.request_started(0);  // host 0 is busy
  std::map<std::size_t, int> picks;
  for (int i = 0; i < 1'000; ++i) ++picks[detector.pick_least_request()];
  EXPECT_EQ(picks.count(2), 0u);
  // Host 0 wins only when both choices are host 0: about a quarter of the time.
  EXPECT_NEAR(picks[0], 250, 60);
  EXPECT_NEAR(picks[1], 750, 60);
}

TEST(OutlierDetectorTest, ConfigErrorsNameTheField) {
  auto message = [](auto change) {
    OutlierDetectionConfig config;
    change(config);
    return config.validate().message();
  };
  EXPECT_EQ(message([](auto& c) { c.max_ejection_percent = 120; }),
            "max_ejection_percent must be from 0 to 100; got 120");
  EXPECT_EQ(message([](auto& c) { c.enforcing_success_rate = -1; }),
            "enforcing_success_rate must be from 0 to 100; got -1");
  EXPECT_EQ(message([](auto& c) { c.interval = seconds(0); }), "interval must be positive; got 0 ms");
  EXPECT_EQ(message([](auto& c) { c.base_ejection_time = seconds(-1); }),
            "base_ejection_time must be positive; got -1000 ms");
  EXPECT_EQ(message([](auto& c) { c.max_ejection_time = seconds(10); }),
            "max_ejection_time (10000 ms) cannot be shorter than base_ejection_time (30000 ms)");
}

}  // namespace
}  // namespace sluice::resilience
