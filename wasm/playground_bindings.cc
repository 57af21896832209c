// JavaScript bindings of the simulated world (core/sim) for the playground page.
//
//   const sim = sluice.Playground.create(scenarioJsonText, '7');   // seed as text: 64 bits
//   sim.runUntilMs(1000);                       // virtual time; returns at once
//   sim.runUntilNs(1e9); sim.nowNs();           // exact nanoseconds
//   const batch = JSON.parse(sim.eventsJson(cursor, 5000));   // {cursor, events: [...]}
//   // or, packed: sim.eventsPacked(cursor, 5000) -> Float64Array, sim.stringsFrom(n) -> [...]
//   sim.discardBefore(batch.cursor);            // drawn: the world may forget them
//   sim.inject(JSON.stringify({action: 'crash', target: 'inventory', for: '5s'}));
//   sim.configure(JSON.stringify({circuit_breaker: {failure_rate_threshold_percent: 50}}));
//   JSON.parse(sim.statsJson());
//   sim.delete();
//
// Packed events, one after another in a Float64Array:
//   t_ns, what, where, n, then n times (key, kind, value)
// where what, where, key and (kind 2) value are ids into the string table that
// stringsFrom() extends, kind 0 is an integer and 1 a double. Every number fits a double
// exactly (ids are small; times are below 2^53 ns, 104 days).
//
// A bad scenario, seed or fault throws a JavaScript Error with the message and changes
// nothing.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "core/config/parse_json.h"
#include "core/resilience/config_json.h"
#include "core/sim/destination_rule_settings.h"
#include "core/sim/scenario.h"
#include "core/sim/world.h"

namespace sluice::wasm {
namespace {

using emscripten::val;

[[noreturn]] void throw_js_error(const std::string& message) { val::global("Error").new_(message).throw_(); }

time::Instant at_ms(double ms) { return time::Instant(time::Duration(static_cast<std::int64_t>(ms * 1e6))); }

class Playground {
 public:
  static Playground* create(const std::string& scenario_json, const std::string& seed_text) {
    Result<sim::Scenario> scenario = sim::scenario_from_text(scenario_json);
    if (!scenario.ok()) throw_js_error(scenario.status().message());
    std::optional<std::uint64_t> seed;
    if (!seed_text.empty()) {
      std::uint64_t value = 0;
      for (char c : seed_text) {
        const auto digit = static_cast<std::uint64_t>(c - '0');
        if (c < '0' || c > '9' || value > (UINT64_MAX - digit) / 10) {
          throw_js_error("seed must be a whole number from 0 to 2^64-1; got \"" + seed_text + "\"");
        }
        value = value * 10 + digit;
      }
      seed = value;
    }
    Result<std::unique_ptr<sim::World>> world = sim::World::create(*scenario, seed);
    if (!world.ok()) throw_js_error(world.status().message());
    return new Playground(std::move(world).value());
  }

  void run_until_ms(double ms) {
    const time::Instant until = at_ms(ms);
    if (until > world_->now()) world_->run_until(until);
  }
  // run_until_ns: exact, for replaying a fault at the nanosecond it was injected (a
  // double holds every nanosecond below 2^53, 104 days).
  void run_until_ns(double ns) {
    const time::Instant until = time::instant_from_nanos(static_cast<std::int64_t>(ns));
    if (until > world_->now()) world_->run_until(until);
  }
  double now_ns() const { return static_cast<double>(world_->now().time_since_epoch().count()); }
  bool step() { return world_->step(); }
  double now_ms() const { return static_cast<double>(world_->now().time_since_epoch().count()) / 1e6; }
  double end_of_traffic_ms() const {
    return static_cast<double>(world_->end_of_traffic().time_since_epoch().count()) / 1e6;
  }
  std::string seed() const { return std::to_string(world_->seed()); }

  void inject(const std::string& fault_json) {
    Result<nlohmann::json> parsed = config::parse_json(fault_json);
    if (!parsed.ok()) throw_js_error(parsed.status().message());
    Result<sim::Fault> fault = sim::fault_from_json(*parsed, "fault");
    if (!fault.ok()) throw_js_error(fault.status().message());
    world_->inject(*fault);
  }

  // configure: new stock-check settings from now on, as resilience config JSON
  // ({"circuit_breaker": {...}, "retry": {...}, "retry_budget": {...}, "timeout": "1s"}).
  void configure(const std::string& settings_json) {
    Result<resilience::ResilienceConfig> config = resilience::resilience_config_from_text(settings_json);
    if (!config.ok()) throw_js_error(config.status().message());
    if (Status s = world_->configure_stock_check(*config); !s.ok()) throw_js_error(s.message());
  }

  // configure_from_destination_rule: an Istio DestinationRule (JSON) as the stock
  // check's breaker; see core/sim/destination_rule_settings.h for how it maps.
  void configure_from_destination_rule(const std::string& rule_json) {
    Result<nlohmann::json> rule = config::parse_json(rule_json);
    if (!rule.ok()) throw_js_error(rule.status().message());
    Result<resilience::ResilienceConfig> settings =
        sim::stock_check_settings_from_destination_rule(*rule, world_->scenario().inventory_client);
    if (!settings.ok()) throw_js_error(settings.status().message());
    if (Status s = world_->configure_stock_check(*settings); !s.ok()) throw_js_error(s.message());
  }

  double begin() const { return static_cast<double>(world_->trace().begin()); }
  double end() const { return static_cast<double>(world_->trace().end()); }

  std::string events_json(double cursor_number, int max) {
    const auto [first, last] = window(cursor_number, max);
    std::string out = "{\"cursor\":" + std::to_string(last) + ",\"events\":[";
    for (std::uint64_t c = first; c < last; ++c) {
      if (c != first) out += ',';
      out += world_->trace().line(c);
    }
    return out + "]}";
  }

  // lines: the same events as text lines, exactly as `sim_run --events` prints them.
  std::string lines(double cursor_number, int max) {
    const auto [first, last] = window(cursor_number, max);
    std::string out;
    for (std::uint64_t c = first; c < last; ++c) out += world_->trace().line(c) + "\n";
    return out;
  }

  val events_packed(double cursor_number, int max) {
    const auto [first, last] = window(cursor_number, max);
    const sim::Trace& trace = world_->trace();
    packed_.clear();
    for (std::uint64_t c = first; c < last; ++c) {
      const sim::TraceEvent& e = trace.event(c);
      packed_.push_back(static_cast<double>(e.when_ns));
      packed_.push_back(e.what);
      packed_.push_back(e.where);
      packed_.push_back(e.attribute_count);
      const sim::TraceAttribute* a = trace.attributes(e);
      for (std::uint32_t i = 0; i < e.attribute_count; ++i) {
        packed_.push_back(a[i].key);
        packed_.push_back(static_cast<double>(a[i].kind));
        packed_.push_back(a[i].kind == sim::TraceAttribute::Kind::kDouble ? a[i].real
                                                                          : static_cast<double>(a[i].number));
      }
    }
    // A copy, so the array stays valid when wasm memory grows.
    return val::global("Float64Array").new_(emscripten::typed_memory_view(packed_.size(), packed_.data()));
  }

  // strings_from: the interned strings from id `first` on, as a JSON array.
  std::string strings_from(int first) const {
    nlohmann::json out = nlohmann::json::array();
    const sim::Trace& trace = world_->trace();
    for (std::size_t id = static_cast<std::size_t>(first < 0 ? 0 : first); id < trace.string_count(); ++id) {
      out.push_back(std::string(trace.text(static_cast<std::uint32_t>(id))));
    }
    return out.dump();
  }

  void discard_before(double cursor) { world_->trace().discard_before(static_cast<std::uint64_t>(cursor)); }
  std::string stats_json() { return world_->stats().dump(); }
  std::string digest() const {
    char text[17];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(world_->trace().digest()));
    return text;
  }

 private:
  explicit Playground(std::unique_ptr<sim::World> world) : world_(std::move(world)) {}

  // window: the cursors [first, last) to read, clamped to what the trace holds.
  std::pair<std::uint64_t, std::uint64_t> window(double cursor_number, int max) const {
    const sim::Trace& trace = world_->trace();
    std::uint64_t first = cursor_number < 0 ? 0 : static_cast<std::uint64_t>(cursor_number);
    if (first < trace.begin()) first = trace.begin();
    if (first > trace.end()) first = trace.end();
    const std::uint64_t count = max < 0 ? 0 : static_cast<std::uint64_t>(max);
    return {first, std::min(trace.end(), first + count)};
  }

  std::unique_ptr<sim::World> world_;
  std::vector<double> packed_;
};

}  // namespace

EMSCRIPTEN_BINDINGS(sluice_playground) {
  emscripten::class_<Playground>("Playground")
      .class_function("create", &Playground::create, emscripten::allow_raw_pointers())
      .function("runUntilMs", &Playground::run_until_ms)
      .function("runUntilNs", &Playground::run_until_ns)
      .function("nowNs", &Playground::now_ns)
      .function("step", &Playground::step)
      .function("nowMs", &Playground::now_ms)
      .function("endOfTrafficMs", &Playground::end_of_traffic_ms)
      .function("seed", &Playground::seed)
      .function("inject", &Playground::inject)
      .function("configure", &Playground::configure)
      .function("configureFromDestinationRule", &Playground::configure_from_destination_rule)
      .function("begin", &Playground::begin)
      .function("end", &Playground::end)
      .function("eventsJson", &Playground::events_json)
      .function("lines", &Playground::lines)
      .function("eventsPacked", &Playground::events_packed)
      .function("stringsFrom", &Playground::strings_from)
      .function("discardBefore", &Playground::discard_before)
      .function("statsJson", &Playground::stats_json)
      .function("digest", &Playground::digest);
}

}  // namespace sluice::wasm
