// event_stream.h: EventHub, a service's events (the design's one event model) as a
// Server-Sent Events stream at GET /events, so a browser can watch a live service:
//
//   EventHub hub;
//   CircuitBreaker breaker("payment", config, scheduler, &hub);  // the hub is an EventSink
//   add_events_route(router, hub);
//   // curl -N http://127.0.0.1:3000/events
//   //   id: 7
//   //   data: {"what":"breaker.state_changed","where":"payment",...}
//
// The last `replay` events are kept, from the first client's arrival on: a client that
// reconnects with Last-Event-ID gets the ones it missed first. A client that connects afresh gets the snapshot instead
// (the state now, e.g. each breaker's, as events without ids), so it need not wait
// for the next change. Used on the server's thread, as core components are.
#ifndef SLUICE_NATIVE_RUNTIME_EVENT_STREAM_H_
#define SLUICE_NATIVE_RUNTIME_EVENT_STREAM_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/observe/event.h"
#include "native/runtime/router.h"

namespace sluice::native {

class EventHub final : public observe::EventSink {
 public:
  explicit EventHub(std::size_t replay = 1024) : replay_(replay) {}

  using Snapshot = std::function<void(observe::EventSink& to)>;

  void on_event(const observe::Event& event) override;

  // set_snapshot: what a fresh client is told first: `snapshot` reports the present
  // state to the sink it is given (e.g. a "breaker.state" event per breaker).
  void set_snapshot(Snapshot snapshot) { snapshot_ = std::move(snapshot); }

  // attach: `stream` gets the kept events after `last_event_id` (if given; else the
  // snapshot), then every new one until it closes.
  void attach(const std::shared_ptr<ResponseStream>& stream, std::optional<std::uint64_t> last_event_id);

  std::size_t subscribers();

 private:
  struct Frame {
    std::uint64_t id;
    std::string text;
  };

  std::size_t replay_;
  Snapshot snapshot_;
  std::uint64_t next_id_ = 1;
  bool ever_attached_ = false;
  std::deque<Frame> recent_;
  std::vector<std::weak_ptr<ResponseStream>> subscribers_;
};

// kPlaygroundOrigin: where `tools/bazel run //web:serve` serves the playground.
inline constexpr std::string_view kPlaygroundOrigin = "http://127.0.0.1:8080";

// check_origin: an origin as browsers send it: "http://" or "https://", a host, an
// optional port, nothing after ("http://127.0.0.1:8080"); empty means none.
Status check_origin(std::string_view origin);

// add_events_route: GET /events, text/event-stream. A request whose Origin is exactly
// `allowed_origin` gets Access-Control-Allow-Origin for it, so the playground page can
// read the stream; any other origin gets no CORS header, and browsers keep the stream
// from it. An empty `allowed_origin` allows none.
Status add_events_route(Router& router, EventHub& hub, std::string_view allowed_origin = kPlaygroundOrigin);

}  // namespace sluice::native

#endif  // SLUICE_NATIVE_RUNTIME_EVENT_STREAM_H_
