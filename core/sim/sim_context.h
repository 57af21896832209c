// sim_context.h: SimContext, what every part of the simulated world reaches: time,
// the trace, the network, the services, the broker and the participants' ledgers; and
// call(), one request and its reply across the simulated network.
//
//   context.call(Node::kOrder, Node::kInventory, MessageKind::kRequest, "reserveStock", saga_id,
//                [&](bool failed) -> Reply { ... runs at inventory ... },
//                [&](const Reply& reply) { ... runs back at order ... });
//
// The reply handler runs only if the caller has not crashed since it called (a reply
// to a process that restarted finds no one waiting). Callers that must not wait for
// ever set their own timer: a lost request or reply is simply never answered.
#ifndef SLUICE_CORE_SIM_SIM_CONTEXT_H_
#define SLUICE_CORE_SIM_SIM_CONTEXT_H_

#include <array>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/broker/message_broker.h"
#include "core/sim/network.h"
#include "core/sim/node.h"
#include "core/sim/node_clock.h"
#include "core/sim/participants.h"
#include "core/sim/scenario.h"
#include "core/sim/sim_service.h"
#include "core/sim/trace.h"
#include "core/time/virtual_time.h"

namespace sluice::sim {

// Reply: a simulated response.
struct Reply {
  bool ok = true;
  std::string error;               // !ok: a kind, e.g. "out_of_stock", "unavailable"
  std::int64_t value = 0;          // e.g. the stock left
  std::vector<std::string> items;  // e.g. records read from a log
};

struct SimContext {
  const Scenario& scenario;
  time::VirtualTime& time;  // the world's: the network, and when things happen
  std::array<std::unique_ptr<NodeClock>, kNodeCount>& clocks;
  Trace& trace;
  Network& network;
  std::array<std::unique_ptr<SimService>, kNodeCount>& services;
  broker::MessageBroker& broker;
  InventoryLedger& inventory;
  PaymentLedger& payment;

  SimService& service(Node node) { return *services[static_cast<std::size_t>(node)]; }
  // clock: what a process's own components read time from and set timers on (a
  // clock_jump fault moves it).
  time::Scheduler& clock(Node node) { return *clocks[static_cast<std::size_t>(node)]; }

  // note: reports an event of the simulated world (not of a core component).
  void note(std::string_view what, Node where, std::initializer_list<observe::Attribute> attributes = {}) {
    trace.on_event({.what = what,
                    .where = node_name(where),
                    .when = time.now(),
                    .attributes = std::span<const observe::Attribute>(attributes.begin(), attributes.size())});
  }

  // call: a request from `from`, served at `to` by its SimService, and the reply back.
  void call(Node from, Node to, MessageKind kind, std::string_view label, std::string_view subject,
            std::function<Reply(bool failed)> serve, std::function<void(const Reply&)> on_reply) {
    const std::uint64_t caller_epoch = service(from).epoch();
    std::string reply_label = std::string(label) + " reply";
    std::string subject_text(subject);
    network.send(
        from, to, kind, label, subject,
        [this, from, to, caller_epoch, serve = std::move(serve), on_reply = std::move(on_reply),
         reply_label = std::move(reply_label), subject_text = std::move(subject_text)] {
          service(to).handle([this, from, to, caller_epoch, serve, on_reply, reply_label, subject_text](bool failed) {
            Reply reply = serve(failed);
            network.send(to, from, MessageKind::kReply, reply_label, subject_text,
                         [this, from, caller_epoch, reply = std::move(reply), on_reply] {
                           if (service(from).epoch() == caller_epoch) on_reply(reply);
                         });
          });
        });
  }
};

}  // namespace sluice::sim

#endif  // SLUICE_CORE_SIM_SIM_CONTEXT_H_
