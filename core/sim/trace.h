// trace.h: Trace, the simulator's record of everything that happened, in order.
//
// Every core component in the simulated world reports to it (breaker transitions, saga
// records, queue sends and deliveries), and so do the network (a message sent, dropped)
// and the world (faults, orders). Events are kept compactly: each string is interned
// once, so a million events cost a few tens of megabytes and no allocation per event
// in the common case.
//
//   Trace trace;
//   CircuitBreaker breaker("inventory", config, time, &trace);
//   ...
//   for (std::uint64_t i = cursor; i < trace.end(); ++i) puts(trace.line(i).c_str());
//   trace.discard_before(trace.end());   // a reader that has drawn them
//
// Cursors count every event ever recorded, so they stay valid after discard_before().
// The digest covers every event recorded (discarded ones included): two runs with the
// same digest saw the same events in the same order.
#ifndef SLUICE_CORE_SIM_TRACE_H_
#define SLUICE_CORE_SIM_TRACE_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/observe/event.h"

namespace sluice::sim {

struct TraceAttribute {
  enum class Kind : std::uint8_t { kInt, kDouble, kText };
  std::uint32_t key = 0;  // an interned string
  Kind kind = Kind::kInt;
  std::int64_t number = 0;  // kInt; kText: the interned string
  double real = 0;          // kDouble
};

struct TraceEvent {
  std::int64_t when_ns = 0;
  std::uint32_t what = 0;   // interned
  std::uint32_t where = 0;  // interned
  std::uint32_t first_attribute = 0;
  std::uint32_t attribute_count = 0;
};

class Trace final : public observe::EventSink {
 public:
  Trace();

  void on_event(const observe::Event& event) override;

  // end: the cursor after the last event recorded.
  std::uint64_t end() const { return base_ + events_.size(); }
  // begin: the first cursor still held.
  std::uint64_t begin() const { return base_; }

  // event: the event at `cursor`. REQUIRES: begin() <= cursor < end().
  const TraceEvent& event(std::uint64_t cursor) const { return events_[cursor - base_]; }
  const TraceAttribute* attributes(const TraceEvent& event) const;
  // text: an interned string.
  std::string_view text(std::uint32_t id) const { return strings_[id]; }
  std::size_t string_count() const { return strings_.size(); }

  // json / line: the event at `cursor` as {"t": ns, "what", "where", attributes...}.
  nlohmann::json json(std::uint64_t cursor) const;
  std::string line(std::uint64_t cursor) const { return json(cursor).dump(); }

  // discard_before: forgets events before `cursor` (a reader has them).
  void discard_before(std::uint64_t cursor);

  std::uint64_t digest() const { return digest_; }

  // counts_of: how many events named `what` were recorded in all.
  std::uint64_t count_of(std::string_view what) const;

 private:
  std::uint32_t intern(std::string_view text);
  void mix(std::uint64_t value);

  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  std::vector<std::string> strings_;
  std::unordered_map<std::string, std::uint32_t, StringHash, std::equal_to<>> ids_;
  std::vector<TraceEvent> events_;
  std::vector<TraceAttribute> attributes_;
  std::vector<std::uint64_t> counts_;  // by interned `what`
  std::uint64_t base_ = 0;
  std::uint64_t digest_ = 14695981039346656037ull;  // FNV-1a offset basis
};

}  // namespace sluice::sim

#endif  // SLUICE_CORE_SIM_TRACE_H_
