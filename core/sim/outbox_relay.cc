#include "core/sim/outbox_relay.h"

#include <algorithm>
#include <set>
#include <utility>

namespace sluice::sim {

void OutboxRelay::add(saga::SagaEvent event) {
  ++stats_.written;
  pending_.push_back(Entry{.sequence = ++last_sequence_, .event = std::move(event)});
  pump();
}

void OutboxRelay::pump() {
  if (!context_.service(node_).up()) return;
  // The earliest pending event of each order may go; later ones wait for it.
  std::set<std::string_view> groups_seen;
  for (Entry& entry : pending_) {
    if (in_flight_ >= kWindow) return;
    const bool first_of_group = groups_seen.insert(entry.event.correlation_id).second;
    if (first_of_group && !entry.in_flight) send(entry);
  }
}

void OutboxRelay::send(Entry& entry) {
  entry.in_flight = true;
  ++in_flight_;
  if (++entry.sends > 1) ++stats_.resent;
  const std::uint64_t sequence = entry.sequence;
  const std::uint64_t generation = generation_;
  const std::uint32_t send = entry.sends;
  context_.clock(node_).schedule_after(
      kResendAfter, [this, sequence, generation, send] { on_resend_timer(sequence, generation, send); });
  const std::string type = entry.event.type;
  const std::string group = entry.event.correlation_id;
  const std::string key = entry.event.key();
  std::string body = saga::encode_event(entry.event);
  context_.call(
      node_, Node::kBroker, MessageKind::kEvent, type, group,
      [this, type, group, key, body = std::move(body)](bool failed) {
        if (failed) return Reply{.ok = false, .error = "unavailable"};
        broker::BrokerSendRequest request{.body = body, .group_id = group, .deduplication_id = key};
        Result<std::vector<std::string>> routed =
            context_.broker.publish(kOrdersExchange, type, broker::Headers{}, request, false);
        if (!routed.ok()) return Reply{.ok = false, .error = routed.status().message()};
        if (append_to_log_) {
          // The log gets a copy too; a resend appends again, and its readers count each key once.
          Result<broker::AppendResult> appended = context_.broker.append("order-events", {.key = group, .value = body});
          if (!appended.ok()) return Reply{.ok = false, .error = appended.status().message()};
        }
        return Reply{};
      },
      [this, sequence](const Reply& reply) {
        if (reply.ok) on_acknowledged(sequence);
      });
}

void OutboxRelay::on_acknowledged(std::uint64_t sequence) {
  auto found = std::find_if(pending_.begin(), pending_.end(), [&](const Entry& e) { return e.sequence == sequence; });
  if (found == pending_.end()) return;  // a duplicate acknowledgement
  if (found->in_flight) --in_flight_;
  ++stats_.acknowledged;
  acknowledged_.push_back(found->event.key());
  pending_.erase(found);
  pump();
}

void OutboxRelay::on_resend_timer(std::uint64_t sequence, std::uint64_t generation, std::uint32_t send) {
  if (generation != generation_) return;
  auto found = std::find_if(pending_.begin(), pending_.end(), [&](const Entry& e) { return e.sequence == sequence; });
  if (found == pending_.end() || !found->in_flight || found->sends != send) return;
  found->in_flight = false;
  --in_flight_;
  pump();
}

void OutboxRelay::crash() {
  ++generation_;
  in_flight_ = 0;
  for (Entry& entry : pending_) entry.in_flight = false;
}

OutboxStats OutboxRelay::stats() const {
  OutboxStats stats = stats_;
  stats.pending = pending_.size();
  return stats;
}

}  // namespace sluice::sim
