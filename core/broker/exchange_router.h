// exchange_router.h: ExchangeRouter, RabbitMQ's (AMQP 0-9-1) routing: exchanges,
// bindings, and which queues a published message goes to.
//
//   ExchangeRouter router;
//   router.declare_exchange("orders", ExchangeType::kTopic);
//   router.bind("notification-events", "orders", "order.*");
//   router.bind("analytics-events", "orders", "#");
//   router.route("orders", "order.created", {});  // both queues
//
// Types, as RabbitMQ routes them:
//   kDirect   the binding key equals the routing key;
//   kFanout   every bound queue, whatever the key;
//   kTopic    keys are dot-separated words; in a binding key "*" is exactly one word
//             and "#" zero or more (matched through a trie of binding words, so a
//             publish costs the words of its key, not the number of bindings);
//   kHeaders  the binding's arguments against the message headers: x-match "all" (the
//             default) needs every argument equal, "any" at least one; arguments
//             starting with "x-" are not matched.
// A queue bound several times, or through several bindings, receives a message once.
// Errors use AMQP's reply names as Status::reason(): NOT_FOUND for an unknown
// exchange, PRECONDITION_FAILED for redeclaring with another type. Limits on exchanges
// and bindings are errors too. Externally synchronised.
#ifndef SLUICE_CORE_BROKER_EXCHANGE_ROUTER_H_
#define SLUICE_CORE_BROKER_EXCHANGE_ROUTER_H_

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"
#include "core/base/status.h"

namespace sluice::broker {

enum class ExchangeType : std::uint8_t { kDirect, kFanout, kTopic, kHeaders };

// Headers of a message, or arguments of a headers binding (string values).
using Headers = std::map<std::string, std::string, std::less<>>;

namespace amqp_error {
inline constexpr std::string_view kNotFound = "NOT_FOUND";
inline constexpr std::string_view kPreconditionFailed = "PRECONDITION_FAILED";
inline constexpr std::string_view kResourceLocked = "RESOURCE_LOCKED";
}  // namespace amqp_error

class ExchangeRouter {
 public:
  struct Limits {
    std::size_t max_exchanges = 10'000;
    std::size_t max_bindings = 100'000;
  };

  ExchangeRouter();
  explicit ExchangeRouter(Limits limits);
  ~ExchangeRouter();

  ExchangeRouter(const ExchangeRouter&) = delete;
  ExchangeRouter& operator=(const ExchangeRouter&) = delete;

  // declare_exchange: creates it, or does nothing if it exists with the same type.
  Status declare_exchange(std::string_view name, ExchangeType type);
  Status delete_exchange(std::string_view name);

  // bind: messages published to `exchange` that match `key` (or, for headers,
  // `arguments`) go to `queue`. Binding twice the same way is harmless.
  Status bind(std::string_view queue, std::string_view exchange, std::string_view key, const Headers& arguments = {});
  Status unbind(std::string_view queue, std::string_view exchange, std::string_view key, const Headers& arguments = {});

  // remove_queue: drops every binding of `queue`, as deleting a queue does.
  void remove_queue(std::string_view queue);

  // route: the queues a message published to `exchange` goes to, each once, sorted.
  // An empty list means unroutable.
  Result<std::vector<std::string>> route(std::string_view exchange, std::string_view routing_key,
                                         const Headers& headers) const;

  std::size_t bindings() const { return binding_count_; }

 private:
  struct TopicNode;
  struct Exchange;

  Status validate_exchange_name(std::string_view name) const;
  const Exchange* find(std::string_view name) const;

  Limits limits_;
  std::map<std::string, std::unique_ptr<Exchange>, std::less<>> exchanges_;
  std::size_t binding_count_ = 0;
};

}  // namespace sluice::broker

#endif  // SLUICE_CORE_BROKER_EXCHANGE_ROUTER_H_
