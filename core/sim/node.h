// node.h: the places of the simulated example system and the kinds of messages
// between them.
//
// The topology is the example system's (`//native:stack`): a client placing orders, the
// order service (orchestrator), inventory, payment, the broker, and the notification
// and analytics consumers. A scenario changes how each behaves, never what exists.
#ifndef SLUICE_CORE_SIM_NODE_H_
#define SLUICE_CORE_SIM_NODE_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace sluice::sim {

enum class Node : std::uint8_t { kClient, kOrder, kInventory, kPayment, kBroker, kNotification, kAnalytics };

inline constexpr std::size_t kNodeCount = 7;

inline constexpr std::array<std::string_view, kNodeCount> kNodeNames = {
    "client", "order", "inventory", "payment", "broker", "notification", "analytics"};

constexpr std::string_view node_name(Node node) { return kNodeNames[static_cast<std::size_t>(node)]; }

// node_from_name: the node called `name`, if any.
constexpr std::optional<Node> node_from_name(std::string_view name) {
  for (std::size_t i = 0; i < kNodeCount; ++i) {
    if (kNodeNames[i] == name) return static_cast<Node>(i);
  }
  return std::nullopt;
}

// MessageKind: how the playground colours a message.
enum class MessageKind : std::uint8_t { kRequest, kReply, kEvent, kCompensation };

constexpr std::string_view message_kind_name(MessageKind kind) {
  constexpr std::array<std::string_view, 4> kNames = {"request", "reply", "event", "compensation"};
  return kNames[static_cast<std::size_t>(kind)];
}

}  // namespace sluice::sim

#endif  // SLUICE_CORE_SIM_NODE_H_
