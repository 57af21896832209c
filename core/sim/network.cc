#include "core/sim/network.h"

#include <utility>

namespace sluice::sim {

Network::Network(time::VirtualTime& time, time::Prng prng, observe::EventSink& events)
    : time_(time), prng_(std::move(prng)), events_(events) {
  up_.fill(true);
}

void Network::set_all_links(const LinkConfig& config) { links_.fill(config); }

void Network::set_partitioned(Node a, Node b, bool partitioned) {
  partitions_[index(a, b)] = partitioned;
  partitions_[index(b, a)] = partitioned;
}

std::uint64_t Network::send(Node from, Node to, MessageKind kind, std::string_view label, std::string_view subject,
                            std::function<void()> arrive) {
  const std::uint64_t id = ++last_id_;
  ++stats_.sent;
  const LinkConfig& config = links_[index(from, to)];
  // Draw every random number whatever the outcome, so that a fault on one message does
  // not shift what later messages draw.
  const time::Duration latency = prng_.uniform_duration(config.latency_min, config.latency_max);
  const bool lost = prng_.chance(config.loss);
  const bool duplicated = prng_.chance(config.duplicate);
  const time::Duration second_latency = prng_.uniform_duration(config.latency_min, config.latency_max);

  if (!up(from)) return id;  // a process that is down sends nothing
  if (lost || partitions_[index(from, to)]) {
    ++stats_.lost;
    report("msg.sent", id, from, to, "", -1, kind, label, subject);
    report("msg.dropped", id, from, to, lost ? "loss" : "partition", -1, kind, label, subject);
    return id;
  }
  const time::Instant at = time_.now() + latency;
  report("msg.sent", id, from, to, "", time::nanos_since_epoch(at), kind, label, subject);
  if (duplicated) {
    ++stats_.duplicated;
    deliver_at(time_.now() + second_latency, id, to, arrive);
  }
  deliver_at(at, id, to, std::move(arrive));
  return id;
}

void Network::deliver_at(time::Instant at, std::uint64_t id, Node to, std::function<void()> arrive) {
  time_.schedule_at(at, [this, id, to, arrive = std::move(arrive)] {
    if (!up(to)) {
      ++stats_.dropped_down;
      const std::array<observe::Attribute, 2> attributes = {
          {{"id", static_cast<std::int64_t>(id)}, {"reason", std::string_view("down")}}};
      events_.on_event({.what = "msg.dropped", .where = node_name(to), .when = time_.now(), .attributes = attributes});
      return;
    }
    ++stats_.delivered;
    const std::array<observe::Attribute, 1> attributes = {{{"id", static_cast<std::int64_t>(id)}}};
    events_.on_event({.what = "msg.delivered", .where = node_name(to), .when = time_.now(), .attributes = attributes});
    arrive();
  });
}

void Network::report(std::string_view what, std::uint64_t id, Node from, Node to, std::string_view detail,
                     std::int64_t arrive_ns, MessageKind kind, std::string_view label, std::string_view subject) {
  std::array<observe::Attribute, 7> attributes = {{{"id", static_cast<std::int64_t>(id)},
                                                   {"to", node_name(to)},
                                                   {"kind", message_kind_name(kind)},
                                                   {"label", label},
                                                   {"subject", subject},
                                                   {"arrive_ns", arrive_ns},
                                                   {"reason", detail}}};
  const std::size_t count = detail.empty() ? 6 : 7;
  events_.on_event({.what = what,
                    .where = node_name(from),
                    .when = time_.now(),
                    .attributes = std::span<const observe::Attribute>(attributes.data(), count)});
}

}  // namespace sluice::sim
