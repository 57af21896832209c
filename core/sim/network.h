// network.h: Network, the links between the simulated nodes: latency drawn per message,
// loss, duplication, partitions and nodes that are down.
//
//   network.send(Node::kOrder, Node::kInventory, MessageKind::kRequest, "reserveStock", saga_id,
//                [&] { inventory.handle(...); });
//
// A message arrives after a latency drawn uniformly from its link's [latency_min,
// latency_max], so messages on one link can overtake each other (reordering); with
// probability `loss` it never arrives, with `duplicate` it arrives twice (at two
// drawn latencies). A partition between two nodes drops everything either way; a
// message reaching a node that is down is dropped on arrival.
//
// Reports "msg.sent" (id, from, to, kind, label, subject, arrive_ns: when it will arrive,
// or -1 when it is lost), "msg.delivered" and "msg.dropped" (reason: loss, partition,
// down), so the playground can draw each message moving along its link.
#ifndef SLUICE_CORE_SIM_NETWORK_H_
#define SLUICE_CORE_SIM_NETWORK_H_

#include <array>
#include <cstdint>
#include <functional>
#include <string_view>

#include "core/observe/event.h"
#include "core/sim/node.h"
#include "core/time/prng.h"
#include "core/time/virtual_time.h"

namespace sluice::sim {

struct LinkConfig {
  time::Duration latency_min = std::chrono::microseconds(500);
  time::Duration latency_max = std::chrono::milliseconds(2);
  double loss = 0;       // probability a message is lost, 0 to 1
  double duplicate = 0;  // probability it arrives twice, 0 to 1
};

struct NetworkStats {
  std::uint64_t sent = 0;
  std::uint64_t delivered = 0;
  std::uint64_t lost = 0;          // loss or a partition
  std::uint64_t dropped_down = 0;  // arrived at a node that was down
  std::uint64_t duplicated = 0;
};

class Network {
 public:
  // REQUIRES: `time` and `events` outlive the network.
  Network(time::VirtualTime& time, time::Prng prng, observe::EventSink& events);

  // link: the configuration of messages from `from` to `to` (one direction).
  LinkConfig& link(Node from, Node to) { return links_[index(from, to)]; }
  void set_all_links(const LinkConfig& config);

  void set_partitioned(Node a, Node b, bool partitioned);
  bool partitioned(Node a, Node b) const { return partitions_[index(a, b)]; }

  void set_up(Node node, bool up) { up_[static_cast<std::size_t>(node)] = up; }
  bool up(Node node) const { return up_[static_cast<std::size_t>(node)]; }

  // send: `arrive` runs when the message reaches `to`, unless it is lost, partitioned
  // or `to` is down by then; twice if duplicated. `label` and `subject` (a saga or
  // order id) are for the trace. Returns the message id.
  std::uint64_t send(Node from, Node to, MessageKind kind, std::string_view label, std::string_view subject,
                     std::function<void()> arrive);

  const NetworkStats& stats() const { return stats_; }

 private:
  static std::size_t index(Node from, Node to) {
    return static_cast<std::size_t>(from) * kNodeCount + static_cast<std::size_t>(to);
  }
  void deliver_at(time::Instant at, std::uint64_t id, Node to, std::function<void()> arrive);
  void report(std::string_view what, std::uint64_t id, Node from, Node to, std::string_view detail,
              std::int64_t arrive_ns, MessageKind kind, std::string_view label, std::string_view subject);

  time::VirtualTime& time_;
  time::Prng prng_;
  observe::EventSink& events_;
  std::array<LinkConfig, kNodeCount * kNodeCount> links_{};
  std::array<bool, kNodeCount * kNodeCount> partitions_{};
  std::array<bool, kNodeCount> up_{};
  std::uint64_t last_id_ = 0;
  NetworkStats stats_;
};

}  // namespace sluice::sim

#endif  // SLUICE_CORE_SIM_NETWORK_H_
