#include "native/runtime/event_stream.h"

#include <algorithm>
#include <charconv>

#include "core/observe/event_json.h"

namespace sluice::native {

void EventHub::on_event(const observe::Event& event) {
  const std::uint64_t id = next_id_++;
  Frame frame{id, "id: " + std::to_string(id) + "\ndata: " +
                      observe::event_to_json(event).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
                      "\n\n"};
  std::erase_if(subscribers_, [&](const std::weak_ptr<ResponseStream>& weak) {
    std::shared_ptr<ResponseStream> stream = weak.lock();
    return !stream || !stream->send(frame.text);
  });
  recent_.push_back(std::move(frame));
  if (recent_.size() > replay_) recent_.pop_front();
}

void EventHub::attach(const std::shared_ptr<ResponseStream>& stream, std::optional<std::uint64_t> last_event_id) {
  if (last_event_id) {
    for (const Frame& frame : recent_) {
      if (frame.id > *last_event_id) stream->send(frame.text);
    }
  }
  subscribers_.push_back(stream);
}

std::size_t EventHub::subscribers() {
  std::erase_if(subscribers_, [](const std::weak_ptr<ResponseStream>& weak) {
    std::shared_ptr<ResponseStream> stream = weak.lock();
    return !stream || stream->closed();
  });
  return subscribers_.size();
}

Status add_events_route(Router& router, EventHub& hub, std::string_view allowed_origin) {
  return router.add(
      "GET", "/events",
      [&hub, allowed = std::string(allowed_origin)](const HttpRequest& request, const PathParams&, Responder reply) {
        std::optional<std::uint64_t> last_event_id;
        if (std::optional<std::string_view> header = request.header("last-event-id")) {
          std::uint64_t id = 0;
          const auto [end, error] = std::from_chars(header->data(), header->data() + header->size(), id);
          if (error != std::errc() || end != header->data() + header->size()) {
            return reply(HttpResponse::error(400, "InvalidLastEventId", "Last-Event-ID must be an event id"));
          }
          last_event_id = id;
        }
        HttpResponse response;
        response.headers.emplace_back("Content-Type", "text/event-stream");
        response.headers.emplace_back("Cache-Control", "no-cache");
        response.headers.emplace_back("Vary", "Origin");
        if (std::optional<std::string_view> origin = request.header("origin");
            origin && !allowed.empty() && *origin == allowed) {
          response.headers.emplace_back("Access-Control-Allow-Origin", allowed);
        }
        response.stream = std::make_shared<ResponseStream>();
        // A comment first, so the client sees the stream open before any event.
        response.stream->send(": sluice events\n\n");
        hub.attach(response.stream, last_event_id);
        reply(std::move(response));
      });
}

}  // namespace sluice::native
