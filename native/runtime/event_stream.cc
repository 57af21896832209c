#include "native/runtime/event_stream.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "core/observe/event_json.h"

namespace sluice::native {

namespace {

std::string data_line(const observe::Event& event) {
  return "data: " + observe::event_to_json(event).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
         "\n\n";
}

// SnapshotWriter: the snapshot's events, straight to one stream, without ids (a
// reconnecting client then asks from the last real event it saw).
class SnapshotWriter final : public observe::EventSink {
 public:
  explicit SnapshotWriter(ResponseStream& stream) : stream_(stream) {}
  void on_event(const observe::Event& event) override { stream_.send(data_line(event)); }

 private:
  ResponseStream& stream_;
};

}  // namespace

void EventHub::on_event(const observe::Event& event) {
  const std::uint64_t id = next_id_++;
  // Until someone attaches, no one can ask for what they missed: nothing to format or
  // keep (the broker reports every queue operation here).
  if (!ever_attached_) return;
  Frame frame{id, "id: " + std::to_string(id) + "\n" + data_line(event)};
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
  } else if (snapshot_) {
    SnapshotWriter writer(*stream);
    snapshot_(writer);
  }
  subscribers_.push_back(stream);
  ever_attached_ = true;
}

std::size_t EventHub::subscribers() {
  std::erase_if(subscribers_, [](const std::weak_ptr<ResponseStream>& weak) {
    std::shared_ptr<ResponseStream> stream = weak.lock();
    return !stream || stream->closed();
  });
  return subscribers_.size();
}

Status check_origin(std::string_view origin) {
  if (origin.empty()) return Status();
  const auto bad = [&](std::string_view why) {
    return Status::invalid_argument("\"" + std::string(origin) + "\" is not an origin (" + std::string(why) +
                                    "); one looks like http://127.0.0.1:8080");
  };
  std::string_view rest = origin;
  if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else if (rest.starts_with("https://")) {
    rest.remove_prefix(8);
  } else {
    return bad("it must start with http:// or https://");
  }
  const std::size_t colon = rest.rfind(':');
  std::string_view host = colon == std::string_view::npos ? rest : rest.substr(0, colon);
  if (host.empty()) return bad("no host");
  for (char c : host) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-') {
      return bad("a host has only letters, digits, dots and dashes, and nothing follows the port");
    }
  }
  if (colon != std::string_view::npos) {
    std::string_view port = rest.substr(colon + 1);
    unsigned value = 0;
    const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || error != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) {
      return bad("the port must be from 1 to 65535");
    }
  }
  return Status();
}

Status add_events_route(Router& router, EventHub& hub, std::string_view allowed_origin) {
  Status s = router.add(
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
  if (!s.ok()) return s;
  return router.never_shed("/events");  // a stream, not a request that queues
}

}  // namespace sluice::native
