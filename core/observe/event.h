// event.h: Event and EventSink, the one way every core component says what happened.
//
// Breaker transitions and rejections, messages enqueued and acknowledged, saga steps
// started and compensated: each is an Event with what happened, where, when, the
// trace it belongs to and a few attributes. Native services turn events into JSON log
// lines and Prometheus metrics; the playground turns them into animation. Tests
// collect them to assert on.
//
//   class Printer : public EventSink {
//     void on_event(const Event& e) override { std::printf("%s %s\n", e.what.data(), e.where.data()); }
//   };
//
// Reporting costs no allocation: an Event holds views that are valid only during
// on_event(). A sink that keeps anything copies it. Sinks are called synchronously on
// the component's thread and must not call back into the component.
#ifndef SLUICE_CORE_OBSERVE_EVENT_H_
#define SLUICE_CORE_OBSERVE_EVENT_H_

#include <cstdint>
#include <span>
#include <string_view>
#include <variant>

#include "core/time/instant.h"

namespace sluice::observe {

// Attribute: one named value of an event.
struct Attribute {
  std::string_view key;
  std::variant<std::int64_t, double, std::string_view> value;
};

struct Event {
  // what: a dotted name from a fixed set per component, e.g. "breaker.state_changed".
  std::string_view what;
  // where: the instance that reported it, e.g. the breaker's name "inventory".
  std::string_view where;
  time::Instant when;
  // trace_id: the W3C trace id (32 hex digits) of the call, or empty.
  std::string_view trace_id;
  std::span<const Attribute> attributes;

  // attribute: the value of `key`, or nullptr.
  const std::variant<std::int64_t, double, std::string_view>* attribute(std::string_view key) const {
    for (const Attribute& a : attributes) {
      if (a.key == key) return &a.value;
    }
    return nullptr;
  }
};

class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void on_event(const Event& event) = 0;
};

}  // namespace sluice::observe

#endif  // SLUICE_CORE_OBSERVE_EVENT_H_
