// JavaScript bindings of core/time: the seeded Prng and VirtualTime.
//
//   const sluice = await createSluice();
//   const prng = new sluice.Prng('42');          // 64-bit seeds as decimal strings
//   const time = new sluice.VirtualTime();
//   time.scheduleAfterMs(30000, () => console.log('reset timeout at', time.nowMs()));
//   time.runForMs(60000);                        // fires it at once
//   prng.delete(); time.delete();                // embind objects are freed by hand
//
// Bad arguments throw a JavaScript Error with a message; nothing is changed.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <string>

#include "core/time/prng.h"
#include "core/time/virtual_time.h"

namespace sluice::wasm {
namespace {

using emscripten::val;

[[noreturn]] void throw_js_error(const std::string& message) { val::global("Error").new_(message).throw_(); }

// The largest integer a JS number holds exactly.
constexpr double kMaxSafeInteger = 9007199254740991.0;

std::uint64_t parse_seed(const std::string& text) {
  if (text.empty() || text.size() > 20 || text.find_first_not_of("0123456789") != std::string::npos) {
    throw_js_error("seed must be a decimal string of an unsigned 64-bit integer, got '" + text + "'");
  }
  std::uint64_t seed = 0;
  for (char digit : text) {
    const std::uint64_t next = seed * 10 + static_cast<std::uint64_t>(digit - '0');
    if (next / 10 != seed) throw_js_error("seed '" + text + "' is larger than 2^64 - 1");
    seed = next;
  }
  return seed;
}

time::Duration duration_from_ms(double ms) {
  if (!std::isfinite(ms) || ms < 0 || ms > kMaxSafeInteger / 1e6) {
    throw_js_error("a duration must be a finite number of milliseconds >= 0");
  }
  return std::chrono::duration_cast<time::Duration>(std::chrono::duration<double, std::milli>(ms));
}

class JsPrng {
 public:
  // create: parses before allocating, so a bad seed throws without leaking.
  static JsPrng* create(const std::string& seed) { return new JsPrng(parse_seed(seed)); }

  std::string next_u64() { return std::to_string(prng_.next_u64()); }

  double uniform_below(double bound) {
    if (!(bound >= 1 && bound <= kMaxSafeInteger) || std::floor(bound) != bound) {
      throw_js_error("bound must be an integer from 1 to 2^53 - 1");
    }
    return static_cast<double>(prng_.uniform_below(static_cast<std::uint64_t>(bound)));
  }

  double uniform_unit() { return prng_.uniform_unit(); }
  bool chance(double probability) { return prng_.chance(probability); }

 private:
  explicit JsPrng(std::uint64_t seed) : prng_(seed) {}

  time::Prng prng_;
};

class JsVirtualTime {
 public:
  double now_ms() const { return std::chrono::duration<double, std::milli>(time_.now().time_since_epoch()).count(); }

  double schedule_after_ms(double delay_ms, val callback) {
    if (callback.typeOf().as<std::string>() != "function") {
      throw_js_error("scheduleAfterMs needs a function to call");
    }
    const time::Duration delay = duration_from_ms(delay_ms);
    return static_cast<double>(time_.schedule_after(delay, [callback] { callback(); }).value);
  }

  bool cancel(double id) { return time_.cancel(time::TimerId{static_cast<std::uint64_t>(id)}); }

  double run_for_ms(double duration_ms) {
    return static_cast<double>(time_.run_for(duration_from_ms(duration_ms)).timers_fired);
  }

  double pending_timers() const { return static_cast<double>(time_.pending_timers()); }

 private:
  time::VirtualTime time_;
};

}  // namespace

EMSCRIPTEN_BINDINGS(sluice_time) {
  emscripten::class_<JsPrng>("Prng")
      .constructor(&JsPrng::create, emscripten::allow_raw_pointers())
      .function("nextU64", &JsPrng::next_u64)
      .function("uniformBelow", &JsPrng::uniform_below)
      .function("uniformUnit", &JsPrng::uniform_unit)
      .function("chance", &JsPrng::chance);

  emscripten::class_<JsVirtualTime>("VirtualTime")
      .constructor<>()
      .function("nowMs", &JsVirtualTime::now_ms)
      .function("scheduleAfterMs", &JsVirtualTime::schedule_after_ms)
      .function("cancel", &JsVirtualTime::cancel)
      .function("runForMs", &JsVirtualTime::run_for_ms)
      .function("pendingTimers", &JsVirtualTime::pending_timers);
}

}  // namespace sluice::wasm
