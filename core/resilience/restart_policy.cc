#include "core/resilience/restart_policy.h"

#include <cmath>
#include <string>

#include "core/base/check.h"
#include "core/base/format.h"
#include "core/resilience/retry.h"

namespace sluice::resilience {

Result<RestartMode> parse_restart_mode(std::string_view name) {
  for (const auto& [text, mode] : kRestartModeNames) {
    if (text == name) return mode;
  }
  return Status::invalid_argument("restart mode must be on-failure, always or never, got \"" + std::string(name) +
                                  "\"");
}

Status RestartConfig::validate() const {
  if (initial_delay <= time::Duration::zero()) {
    return Status::invalid_argument("initial_delay must be positive (a crash loop must not spin); got " +
                                    format_millis(initial_delay));
  }
  if (!std::isfinite(multiplier) || multiplier < 1) {
    return Status::invalid_argument("multiplier must be at least 1; got " + format_number(multiplier));
  }
  if (max_delay < initial_delay) {
    return Status::invalid_argument("max_delay (" + format_millis(max_delay) +
                                    ") cannot be shorter than initial_delay (" + format_millis(initial_delay) + ")");
  }
  if (reset_after <= time::Duration::zero()) {
    return Status::invalid_argument("reset_after must be positive; got " + format_millis(reset_after));
  }
  return Status();
}

RestartPolicy::RestartPolicy(RestartConfig config) : config_(config) { SLUICE_CHECK(config_.validate().ok()); }

void RestartPolicy::handle_started(time::Instant now) {
  if (state_ != ChildState::kStarting) return;
  state_ = ChildState::kRunning;
  started_at_ = now;
}

ExitDecision RestartPolicy::handle_exit(time::Instant now, bool clean) {
  if (state_ != ChildState::kStarting && state_ != ChildState::kRunning) return {.reason = "not_running"};
  // A failed start (no handle_started) was up for no time at all.
  const bool stayed_up = started_at_.has_value() && now - *started_at_ >= config_.reset_after;
  started_at_.reset();
  if (stayed_up) failures_in_a_row_ = 0;
  std::string_view no_restart;
  if (shutting_down_) {
    no_restart = "shutting_down";
  } else if (config_.mode == RestartMode::kNever) {
    no_restart = "never";
  } else if (config_.mode == RestartMode::kOnFailure && clean) {
    no_restart = "clean_exit";
  }
  if (!no_restart.empty()) {
    state_ = ChildState::kStopped;
    return {.failures_in_a_row = failures_in_a_row_, .reason = no_restart};
  }
  ++failures_in_a_row_;
  const auto delay_for = [this](std::uint32_t n) {
    return exponential_backoff(config_.initial_delay, config_.multiplier, config_.max_delay, n);
  };
  const time::Duration delay = delay_for(failures_in_a_row_);
  const bool at_max = delay == config_.max_delay;
  const bool was_at_max = failures_in_a_row_ > 1 && delay_for(failures_in_a_row_ - 1) == config_.max_delay;
  state_ = ChildState::kWaiting;
  restart_at_ = now + delay;
  return {.restart = true,
          .delay = delay,
          .failures_in_a_row = failures_in_a_row_,
          .newly_at_max_delay = at_max && !was_at_max};
}

void RestartPolicy::handle_shutdown() {
  shutting_down_ = true;
  // A running child's exit is still to come (and will not be followed by a restart).
  if (state_ == ChildState::kWaiting) state_ = ChildState::kStopped;
}

std::optional<time::Instant> RestartPolicy::poll_timeout() const {
  if (state_ != ChildState::kWaiting) return std::nullopt;
  return restart_at_;
}

bool RestartPolicy::poll_restart(time::Instant now) {
  if (state_ != ChildState::kWaiting || now < restart_at_) return false;
  state_ = ChildState::kStarting;
  ++restarts_;
  return true;
}

}  // namespace sluice::resilience
