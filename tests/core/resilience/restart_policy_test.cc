// RestartPolicy on virtual time: each test is a timeline of a child's starts and exits.
#include "core/resilience/restart_policy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

#include "core/time/manual_clock.h"

namespace sluice::resilience {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using time::Duration;

RestartConfig quick(RestartMode mode = RestartMode::kOnFailure) {
  RestartConfig config;
  config.mode = mode;
  config.initial_delay = milliseconds(100);
  config.multiplier = 2;
  config.max_delay = milliseconds(1000);
  config.reset_after = seconds(10);
  return config;
}

// Child: the supervisor's side, on a clock that moves only when the test moves it.
struct Child {
  explicit Child(RestartConfig config) : policy(config) { policy.handle_started(clock.now()); }

  // crash_after: the child runs for `uptime`, then dies (a signal, not a clean exit).
  ExitDecision crash_after(Duration uptime) {
    clock.advance(uptime);
    return policy.handle_exit(clock.now(), /*clean=*/false);
  }
  // restart_when_due: jumps to the pending restart's deadline and starts the child.
  void restart_when_due() {
    ASSERT_TRUE(policy.poll_timeout().has_value());
    clock.set(*policy.poll_timeout());
    ASSERT_TRUE(policy.poll_restart(clock.now()));
    policy.handle_started(clock.now());
  }

  time::ManualClock clock;
  RestartPolicy policy;
};

TEST(RestartPolicyTest, ACrashLoopBacksOffToTheCapAndKeepsTryingThere) {
  Child child(quick());
  std::vector<Duration> delays;
  std::vector<std::uint32_t> newly_at_cap;
  for (int crash = 1; crash <= 8; ++crash) {
    const ExitDecision decision = child.crash_after(milliseconds(50));  // dies at once, every time
    ASSERT_TRUE(decision.restart);
    EXPECT_EQ(decision.failures_in_a_row, static_cast<std::uint32_t>(crash));
    delays.push_back(decision.delay);
    if (decision.newly_at_max_delay) newly_at_cap.push_back(decision.failures_in_a_row);
    child.restart_when_due();
  }
  EXPECT_THAT(delays, ElementsAre(milliseconds(100), milliseconds(200), milliseconds(400), milliseconds(800),
                                  milliseconds(1000), milliseconds(1000), milliseconds(1000), milliseconds(1000)));
  EXPECT_THAT(newly_at_cap, ElementsAre(5u));  // said once, when the loop reached the cap
  EXPECT_EQ(child.policy.restarts(), 8u);
  EXPECT_EQ(child.policy.state(), ChildState::kRunning);
}

TEST(RestartPolicyTest, TheRestartIsNotDueBeforeItsDelay) {
  Child child(quick());
  const time::Instant crashed_at = child.clock.now() + milliseconds(20);
  ASSERT_TRUE(child.crash_after(milliseconds(20)).restart);
  EXPECT_EQ(child.policy.state(), ChildState::kWaiting);
  EXPECT_EQ(child.policy.poll_timeout(), crashed_at + milliseconds(100));
  // 99 ms after the crash: not yet.
  child.clock.advance(milliseconds(99));
  EXPECT_FALSE(child.policy.poll_restart(child.clock.now()));
  // 100 ms: due, once.
  child.clock.advance(milliseconds(1));
  EXPECT_TRUE(child.policy.poll_restart(child.clock.now()));
  EXPECT_FALSE(child.policy.poll_restart(child.clock.now()));
  EXPECT_EQ(child.policy.state(), ChildState::kStarting);
  EXPECT_EQ(child.policy.poll_timeout(), std::nullopt);
}

TEST(RestartPolicyTest, AChildThatStayedUpStartsItsBackoffOver) {
  Child child(quick());
  for (int crash = 0; crash < 4; ++crash) {
    ASSERT_TRUE(child.crash_after(milliseconds(10)).restart);
    child.restart_when_due();
  }
  // Up 9.9 s: not long enough, the backoff keeps growing.
  EXPECT_EQ(child.crash_after(milliseconds(9900)).delay, milliseconds(1000));
  child.restart_when_due();
  // Up exactly reset_after: this crash is the first of a new run.
  const ExitDecision after_stable = child.crash_after(seconds(10));
  EXPECT_EQ(after_stable.delay, milliseconds(100));
  EXPECT_EQ(after_stable.failures_in_a_row, 1u);
  EXPECT_FALSE(after_stable.newly_at_max_delay);
  child.restart_when_due();
  EXPECT_EQ(child.crash_after(milliseconds(10)).delay, milliseconds(200));
}

TEST(RestartPolicyTest, OnFailureLeavesACleanExitStopped) {
  Child child(quick(RestartMode::kOnFailure));
  child.clock.advance(seconds(1));
  const ExitDecision decision = child.policy.handle_exit(child.clock.now(), /*clean=*/true);
  EXPECT_FALSE(decision.restart);
  EXPECT_EQ(decision.reason, "clean_exit");
  EXPECT_EQ(child.policy.state(), ChildState::kStopped);
  EXPECT_EQ(child.policy.poll_timeout(), std::nullopt);
  child.clock.advance(seconds(60));
  EXPECT_FALSE(child.policy.poll_restart(child.clock.now()));
}

TEST(RestartPolicyTest, AlwaysRestartsACleanExitToo) {
  Child child(quick(RestartMode::kAlways));
  child.clock.advance(milliseconds(5));
  const ExitDecision decision = child.policy.handle_exit(child.clock.now(), /*clean=*/true);
  EXPECT_TRUE(decision.restart);
  EXPECT_EQ(decision.delay, milliseconds(100));
}

TEST(RestartPolicyTest, NeverRestartsNothing) {
  Child child(quick(RestartMode::kNever));
  const ExitDecision decision = child.crash_after(seconds(1));
  EXPECT_FALSE(decision.restart);
  EXPECT_EQ(decision.reason, "never");
  EXPECT_EQ(child.policy.state(), ChildState::kStopped);
}

TEST(RestartPolicyTest, ShutdownDropsAPendingRestart) {
  Child child(quick());
  ASSERT_TRUE(child.crash_after(milliseconds(10)).restart);
  // Ctrl-C while waiting to restart: the restart never comes.
  child.policy.handle_shutdown();
  EXPECT_EQ(child.policy.state(), ChildState::kStopped);
  EXPECT_EQ(child.policy.poll_timeout(), std::nullopt);
  child.clock.advance(seconds(60));
  EXPECT_FALSE(child.policy.poll_restart(child.clock.now()));
  EXPECT_EQ(child.policy.restarts(), 0u);
}

TEST(RestartPolicyTest, AnExitDuringShutdownIsNotRestarted) {
  Child child(quick(RestartMode::kAlways));
  child.policy.handle_shutdown();
  EXPECT_EQ(child.policy.state(), ChildState::kRunning);  // still to be stopped by the supervisor
  // Killed by the supervisor's own SIGKILL, after its SIGTERM was ignored.
  const ExitDecision decision = child.crash_after(seconds(10));
  EXPECT_FALSE(decision.restart);
  EXPECT_EQ(decision.reason, "shutting_down");
  EXPECT_EQ(child.policy.state(), ChildState::kStopped);
}

TEST(RestartPolicyTest, AFailedStartCountsAsAnExitWithNoUptime) {
  Child child(quick());
  ASSERT_TRUE(child.crash_after(seconds(30)).restart);  // stayed up: first of a run
  ASSERT_TRUE(child.policy.poll_timeout().has_value());
  child.clock.set(*child.policy.poll_timeout());
  ASSERT_TRUE(child.policy.poll_restart(child.clock.now()));
  // fork or exec failed: no handle_started, straight to the exit, a minute later.
  child.clock.advance(seconds(60));
  const ExitDecision decision = child.policy.handle_exit(child.clock.now(), /*clean=*/false);
  EXPECT_TRUE(decision.restart);
  EXPECT_EQ(decision.failures_in_a_row, 2u);  // the minute spent not starting is not uptime
  EXPECT_EQ(decision.delay, milliseconds(200));
}

TEST(RestartPolicyTest, ExitsAndStartsOutOfTurnAreIgnored) {
  Child child(quick());
  ASSERT_TRUE(child.crash_after(milliseconds(10)).restart);
  // A second report of the same exit changes nothing.
  const ExitDecision again = child.policy.handle_exit(child.clock.now(), /*clean=*/false);
  EXPECT_FALSE(again.restart);
  EXPECT_EQ(again.reason, "not_running");
  EXPECT_EQ(child.policy.failures_in_a_row(), 1u);
  // A start report while waiting does not skip the backoff.
  child.policy.handle_started(child.clock.now());
  EXPECT_EQ(child.policy.state(), ChildState::kWaiting);
}

TEST(RestartPolicyTest, TimeGoingBackwardsCountsAsNoUptime) {
  time::ManualClock clock(time::Instant() + seconds(100));
  RestartPolicy policy(quick());
  policy.handle_started(clock.now());
  const ExitDecision decision = policy.handle_exit(time::Instant() + seconds(50), /*clean=*/false);
  EXPECT_TRUE(decision.restart);
  EXPECT_EQ(decision.failures_in_a_row, 1u);
}

TEST(RestartPolicyTest, ModesParseByName) {
  EXPECT_EQ(*parse_restart_mode("on-failure"), RestartMode::kOnFailure);
  EXPECT_EQ(*parse_restart_mode("always"), RestartMode::kAlways);
  EXPECT_EQ(*parse_restart_mode("never"), RestartMode::kNever);
  const Result<RestartMode> bad = parse_restart_mode("sometimes");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("on-failure, always or never, got \"sometimes\""));
}

TEST(RestartPolicyTest, ConfigsThatWouldSpinOrNeverGrowAreRefused) {
  RestartConfig config = quick();
  config.initial_delay = Duration::zero();
  EXPECT_THAT(config.validate().message(), HasSubstr("initial_delay must be positive"));
  config = quick();
  config.multiplier = 0.5;
  EXPECT_THAT(config.validate().message(), HasSubstr("multiplier must be at least 1"));
  config = quick();
  config.max_delay = milliseconds(50);
  EXPECT_THAT(config.validate().message(),
              HasSubstr("max_delay (50 ms) cannot be shorter than initial_delay (100 ms)"));
  config = quick();
  config.reset_after = Duration::zero();
  EXPECT_THAT(config.validate().message(), HasSubstr("reset_after must be positive"));
  EXPECT_TRUE(quick().validate().ok());
}

}  // namespace
}  // namespace sluice::resilience
