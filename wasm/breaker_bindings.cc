// JavaScript bindings of the circuit breaker, on a clock the page (or test) moves.
//
//   const breaker = new sluice.CircuitBreaker('inventory', JSON.stringify({failure_threshold: 3}));
//   const permit = breaker.tryAcquire();            // 0: rejected, else a permit id
//   if (permit) breaker.record(permit, sluice.OUTCOME_FAILURE, 12.5 /* ms */);
//   breaker.advanceMs(30000);                       // virtual time
//   breaker.state();                                // "OPEN"
//   JSON.parse(breaker.statsJson());
//   breaker.delete();
//
// Permits are small integer ids rather than objects: an embind object per call would
// cost more than the breaker itself. A bad config or an unknown permit id throws a
// JavaScript Error with the message; nothing changes.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "core/config/parse_json.h"
#include "core/resilience/circuit_breaker.h"
#include "core/resilience/config_json.h"
#include "core/time/manual_clock.h"

namespace sluice::wasm {
namespace {

using emscripten::val;
using resilience::CircuitBreaker;
using resilience::Outcome;

[[noreturn]] void throw_js_error(const std::string& message) { val::global("Error").new_(message).throw_(); }

resilience::CircuitBreakerConfig config_or_throw(const std::string& config_json) {
  Result<nlohmann::json> parsed = config::parse_json(config_json);
  if (!parsed.ok()) throw_js_error(parsed.status().message());
  Result<resilience::CircuitBreakerConfig> config = resilience::circuit_breaker_config_from_json(*parsed);
  if (!config.ok()) throw_js_error(config.status().message());
  if (config->half_open_transition != resilience::HalfOpenTransition::kOnNextCall) {
    throw_js_error("circuit_breaker.half_open_transition: the JavaScript breaker supports \"on_next_call\"");
  }
  return *config;
}

class JsCircuitBreaker {
 public:
  // create: parses before allocating, so a bad config throws without leaking.
  static JsCircuitBreaker* create(const std::string& name, const std::string& config_json) {
    return new JsCircuitBreaker(name, config_or_throw(config_json));
  }

  // tryAcquire: a permit id (>= 1), or 0 when the call must not be made.
  std::uint32_t try_acquire() {
    CircuitBreaker::Permit permit = breaker_.try_acquire();
    if (!permit) return 0;
    std::uint32_t slot;
    if (free_.empty()) {
      slot = static_cast<std::uint32_t>(permits_.size());
      permits_.push_back(std::move(permit));
    } else {
      slot = free_.back();
      free_.pop_back();
      permits_[slot] = std::move(permit);
    }
    return slot + 1;
  }

  // record: the call of permit `id` ended with outcome 0 (success), 1 (failure) or 2
  // (ignored) after `duration_ms`.
  void record(std::uint32_t id, int outcome, double duration_ms) {
    if (id == 0 || id > permits_.size() || !permits_[id - 1]) throw_js_error("unknown permit id " + std::to_string(id));
    if (outcome < 0 || outcome > 2) throw_js_error("outcome must be 0 (success), 1 (failure) or 2 (ignored)");
    if (!std::isfinite(duration_ms) || duration_ms < 0) throw_js_error("duration_ms must be a finite number >= 0");
    const auto duration =
        std::chrono::duration_cast<time::Duration>(std::chrono::duration<double, std::milli>(duration_ms));
    permits_[id - 1].record(static_cast<Outcome>(outcome), duration);
    free_.push_back(id - 1);
  }

  void advance_ms(double ms) {
    if (!std::isfinite(ms) || ms < 0) throw_js_error("advanceMs needs a finite number of milliseconds >= 0");
    clock_.advance(std::chrono::duration_cast<time::Duration>(std::chrono::duration<double, std::milli>(ms)));
  }

  std::string state() const { return std::string(resilience::to_string(breaker_.state())); }

  std::string stats_json() const {
    const resilience::CircuitBreakerStats s = breaker_.stats();
    auto ms = [](time::Duration d) { return std::chrono::duration<double, std::milli>(d).count(); };
    return nlohmann::json{{"state", resilience::to_string(s.state)},
                          {"calls_succeeded", s.calls_succeeded},
                          {"calls_failed", s.calls_failed},
                          {"calls_ignored", s.calls_ignored},
                          {"calls_slow", s.calls_slow},
                          {"calls_rejected", s.calls_rejected},
                          {"transitions", s.transitions},
                          {"failure_rate_percent", s.window.failure_rate_percent()},
                          {"latency_p50_ms", ms(s.latency_p50)},
                          {"latency_p99_ms", ms(s.latency_p99)}}
        .dump();
  }

 private:
  JsCircuitBreaker(const std::string& name, const resilience::CircuitBreakerConfig& config)
      : breaker_(name, config, clock_) {}

  time::ManualClock clock_;
  CircuitBreaker breaker_;
  std::vector<CircuitBreaker::Permit> permits_;
  std::vector<std::uint32_t> free_;
};

}  // namespace

EMSCRIPTEN_BINDINGS(sluice_breaker) {
  emscripten::constant("OUTCOME_SUCCESS", 0);
  emscripten::constant("OUTCOME_FAILURE", 1);
  emscripten::constant("OUTCOME_IGNORED", 2);
  emscripten::class_<JsCircuitBreaker>("CircuitBreaker")
      .constructor(&JsCircuitBreaker::create, emscripten::allow_raw_pointers())
      .function("tryAcquire", &JsCircuitBreaker::try_acquire)
      .function("record", &JsCircuitBreaker::record)
      .function("advanceMs", &JsCircuitBreaker::advance_ms)
      .function("state", &JsCircuitBreaker::state)
      .function("statsJson", &JsCircuitBreaker::stats_json);
}

}  // namespace sluice::wasm
