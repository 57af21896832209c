// amqp_session.h: AmqpSession, one AMQP 0-9-1 connection to RabbitMQ through
// librabbitmq (rabbitmq-c), as AmqpBroker needs it: synchronous declarations and
// publishes with publisher confirms, basic.get, and pushed deliveries read by pump().
// A lost connection is reopened on the next call (backing off, for up to
// `reconnect_for`), and `on_reconnected` runs first so the caller can declare again
// what it had (queues, exchanges, bindings, consumers).
//
// Each kind of work has its own channel: RabbitMQ closes a channel on a refusal
// (declaring a queue again with other arguments, publishing to a missing exchange),
// and that must not drop the messages another channel holds unacknowledged.
// Used from one thread.
#ifndef SLUICE_NATIVE_AMQP_AMQP_SESSION_H_
#define SLUICE_NATIVE_AMQP_AMQP_SESSION_H_

#include <amqp.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/base/result.h"
#include "native/amqp/amqp_table.h"

namespace sluice::native {

// AmqpIncoming: a message the server pushed to a consumer or answered a basic.get with.
struct AmqpIncoming {
  amqp_channel_t channel = 0;
  std::uint64_t delivery_tag = 0;
  std::string consumer_tag;
  std::string routing_key;
  bool redelivered = false;
  std::string body;
  std::string message_id;
  std::uint8_t priority = 0;
  std::map<std::string, std::string, std::less<>> string_headers;
  std::optional<std::int64_t> delivery_count;  // x-delivery-count: earlier deliveries (quorum queues)
  std::optional<std::int64_t> sent_ns;         // x-sluice-sent-ns
  std::optional<DeathRecord> death;            // x-death's newest entry
};

// AmqpOutgoing: what publish sends besides the body.
struct AmqpOutgoing {
  std::string message_id;
  std::uint8_t priority = 0;
  std::optional<std::chrono::milliseconds> expiration;
};

struct PublishConfirm {
  bool routed = true;    // false: returned as unroutable (only asked for with mandatory)
  bool accepted = true;  // false: the server nacked it (e.g. a full reject-publish queue)
};

class AmqpSession {
 public:
  static constexpr amqp_channel_t kControl = 1;  // declarations and passive checks
  static constexpr amqp_channel_t kPublish = 2;  // publishes, in confirm mode
  static constexpr amqp_channel_t kGets = 3;     // basic.get; what it holds unacked is "in flight"
  static constexpr amqp_channel_t kConsume = 4;  // push consumers
  static constexpr int kChannels = 5;

  struct Options {
    std::string url = "amqp://guest:guest@127.0.0.1:5672";
    std::chrono::milliseconds reconnect_for{30'000};
    std::chrono::milliseconds confirm_timeout{10'000};
  };
  using DeliveryHandler = std::function<void(AmqpIncoming)>;
  using ReconnectHandler = std::function<Status()>;

  // connect: an error names the URL and what failed (refused, bad credentials, ...).
  static Result<std::unique_ptr<AmqpSession>> connect(Options options, DeliveryHandler on_delivery);
  ~AmqpSession();

  AmqpSession(const AmqpSession&) = delete;
  AmqpSession& operator=(const AmqpSession&) = delete;

  void set_on_reconnected(ReconnectHandler handler) { on_reconnected_ = std::move(handler); }

  // generation: counts connections; a delivery tag means nothing in another one.
  std::uint64_t generation() const { return generation_; }

  // ready: connected (reconnecting if need be) with `channel` open.
  Status ready(amqp_channel_t channel);
  amqp_connection_state_t raw() { return connection_; }

  // check: a librabbitmq RPC's reply as a Status whose reason is AMQP's reply name
  // (NOT_FOUND, PRECONDITION_FAILED, RESOURCE_LOCKED, ...); a channel or connection
  // the server closed is noted, and reopened by the next ready().
  Status check(amqp_rpc_reply_t reply, amqp_channel_t channel, std::string_view what);
  // check_status: the same for librabbitmq calls that return an int status.
  Status check_status(int status, std::string_view what);
  // give_back: basic.nack with requeue for one delivery on `channel`. It reports nothing:
  // a failed send closes the connection (see lost()), and RabbitMQ requeues every
  // delivery a closed connection left unsettled, so the message comes back either way.
  void give_back(amqp_channel_t channel, std::uint64_t delivery_tag);

  // publish: sends and waits for the confirm (and a return, with `mandatory`).
  Result<PublishConfirm> publish(std::string_view exchange, std::string_view routing_key, bool mandatory,
                                 AmqpTable& headers, const AmqpOutgoing& outgoing, std::string_view body);
  // get: one message from `queue` by basic.get (unacked, on kGets), or none.
  Result<std::optional<AmqpIncoming>> get(std::string_view queue);

  // pump: reads what the server sent for up to `wait` (then whatever else is already
  // there) and hands deliveries to the handler.
  void pump(std::chrono::milliseconds wait);

  bool connected() const { return connection_ != nullptr; }

 private:
  explicit AmqpSession(Options options, DeliveryHandler on_delivery);
  Status open();
  Status reconnect();
  void close();
  Status open_channel(amqp_channel_t channel);
  // read_frame: one frame within `wait`; false if none came (or the connection broke).
  bool read_frame(std::chrono::milliseconds wait);
  AmqpIncoming read_content(amqp_channel_t channel, std::uint64_t tag, std::string consumer_tag,
                            std::string routing_key, bool redelivered, bool* ok);
  void lost(std::string why);

  Options options_;
  DeliveryHandler on_delivery_;
  ReconnectHandler on_reconnected_;
  amqp_connection_state_t connection_ = nullptr;
  std::uint64_t generation_ = 0;
  std::array<bool, kChannels> open_{};
  std::string last_error_;
  // Publisher confirms on kPublish.
  std::uint64_t next_publish_tag_ = 1;
  std::uint64_t acked_up_to_ = 0;
  std::map<std::uint64_t, bool> confirms_;  // tag -> accepted, beyond acked_up_to_
  bool returned_ = false;
  std::optional<std::pair<int, std::string>> publish_channel_error_;
};

// amqp_reason: AMQP's reply name for a reply code (404 -> "NOT_FOUND").
std::string_view amqp_reason(int reply_code);

}  // namespace sluice::native

#endif  // SLUICE_NATIVE_AMQP_AMQP_SESSION_H_
