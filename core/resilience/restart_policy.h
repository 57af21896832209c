// restart_policy.h: RestartPolicy, when a supervisor starts a child process again after
// it ended, as systemd's Restart= and an Erlang/OTP supervisor decide it.
//
// A sans-I/O state machine for one child: it starts nothing and sets no timer. The
// supervisor tells it what happened (handle_*), with the time passed in as a value,
// and asks when and whether to start the child again (poll_*). Time only moves forward
// from one call to the next; an earlier `now` counts as no time passed.
//
//   RestartPolicy policy(config);            // REQUIRES: config.validate().ok()
//   spawn(); policy.handle_started(now);
//   ...the child ends...
//   ExitDecision d = policy.handle_exit(now, /*clean=*/exit_status == 0);
//   if (d.restart) timer.expires_at(*policy.poll_timeout());
//   ...the timer fires...
//   if (policy.poll_restart(now)) { spawn(); policy.handle_started(now); }
//   ...Ctrl-C...
//   policy.handle_shutdown();                // nothing is started again after this
//
// Backoff: the n-th failure in a row waits min(max_delay, initial_delay ×
// multiplier^(n-1)) (no jitter: one child, nothing to spread). A child that stayed up
// at least `reset_after` before it ended starts the count over, so a crash loop backs
// off to max_delay and stays there, never spinning, while a rare crash restarts fast.
// A crash loop never gives up: it keeps trying every max_delay until the child stays up.
//
// States × events (a cell is the next state; "-" leaves it unchanged):
//
//   state \ event   started    exit (restart)  exit (no restart)  due (poll_restart)  shutdown
//   kStarting       kRunning   kWaiting        kStopped           -                   - (*)
//   kRunning        -          kWaiting        kStopped           -                   - (*)
//   kWaiting        ignored    ignored         ignored            kStarting           kStopped
//   kStopped        ignored    ignored         ignored            -                   -
//
// "exit (no restart)": a clean exit under kOnFailure, any exit under kNever, or any
// exit after shutdown (*: the child's exit, still to come, then leads to kStopped).
// An exit in kStarting is a start that failed (fork or exec).
// A RestartPolicy is externally synchronised.
#ifndef SLUICE_CORE_RESILIENCE_RESTART_POLICY_H_
#define SLUICE_CORE_RESILIENCE_RESTART_POLICY_H_

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>

#include "core/base/result.h"
#include "core/base/status.h"
#include "core/time/instant.h"

namespace sluice::resilience {

// RestartMode: which exits are followed by a restart.
enum class RestartMode : std::uint8_t {
  kOnFailure,  // a non-zero exit or a signal; not a clean exit (status 0)
  kAlways,     // any exit
  kNever,      // none
};

// kRestartModeNames: the names flags and configuration use for each RestartMode.
inline constexpr std::array<std::pair<std::string_view, RestartMode>, 3> kRestartModeNames = {{
    {"on-failure", RestartMode::kOnFailure},
    {"always", RestartMode::kAlways},
    {"never", RestartMode::kNever},
}};

// parse_restart_mode: "on-failure", "always" or "never"; an error quoting anything else.
Result<RestartMode> parse_restart_mode(std::string_view name);

struct RestartConfig {
  RestartMode mode = RestartMode::kOnFailure;
  time::Duration initial_delay = std::chrono::milliseconds(250);  // before the first restart in a row
  double multiplier = 2.0;
  time::Duration max_delay = std::chrono::seconds(30);
  // reset_after: a child up at least this long starts its backoff from initial_delay.
  time::Duration reset_after = std::chrono::seconds(10);

  // validate: an error naming the first field out of range.
  Status validate() const;
};

enum class ChildState : std::uint8_t { kStarting, kRunning, kWaiting, kStopped };

// ExitDecision: what handle_exit decided.
struct ExitDecision {
  bool restart = false;
  time::Duration delay{};               // when restart: how long after the exit
  std::uint32_t failures_in_a_row = 0;  // exits since the child last stayed up, this one included
  // newly_at_max_delay: this delay is the first at max_delay in this run of failures
  // (a crash loop; the supervisor says so once, not at every restart).
  bool newly_at_max_delay = false;
  // reason: when not restarting: "clean_exit", "never", "shutting_down" or "not_running".
  std::string_view reason;
};

class RestartPolicy {
 public:
  // RestartPolicy: REQUIRES: config.validate().ok(). Starts in kStarting: the caller
  // is about to start the child for the first time.
  explicit RestartPolicy(RestartConfig config);

  // handle_started: the child was started at `now` (after construction or poll_restart).
  void handle_started(time::Instant now);
  // handle_exit: the child ended at `now`; `clean` when it exited with status 0.
  ExitDecision handle_exit(time::Instant now, bool clean);
  // handle_shutdown: the supervisor is stopping: a restart not yet due is dropped and
  // no later exit is followed by one.
  void handle_shutdown();

  // poll_timeout: when the pending restart is due; nullopt when none is pending.
  std::optional<time::Instant> poll_timeout() const;
  // poll_restart: true once the pending restart is due at `now`; then start the child
  // and call handle_started.
  bool poll_restart(time::Instant now);

  ChildState state() const { return state_; }
  // restarts: how many times poll_restart has said to start the child again.
  std::uint32_t restarts() const { return restarts_; }
  std::uint32_t failures_in_a_row() const { return failures_in_a_row_; }
  const RestartConfig& config() const { return config_; }

 private:
  RestartConfig config_;
  ChildState state_ = ChildState::kStarting;
  std::optional<time::Instant> started_at_;  // unset until the first start, and after a failed one
  time::Instant restart_at_{};
  std::uint32_t restarts_ = 0;
  std::uint32_t failures_in_a_row_ = 0;
  bool shutting_down_ = false;
};

}  // namespace sluice::resilience

#endif  // SLUICE_CORE_RESILIENCE_RESTART_POLICY_H_
