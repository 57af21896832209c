// sqs_consumer.h: SqsConsumer, how the notification and analytics services read order
// events: an SQS queue on the broker fed by its topic exchange, read by long polling,
// each message deleted only after its handler says it was processed, so a crash or a
// failed handler means redelivery after the visibility timeout. After
// `max_receive_count` receives a message goes to "<queue>-dlq".
//
// Every body is decoded and validated once, here (services::decode_order_event); a
// handler only ever sees a well-formed OrderEvent. A poison message (not JSON, a field
// of the wrong type, too deep, ...) is logged once with its queue, message id and
// reason, counted in sluice_messages_rejected_total, and made visible again at once, so
// it reaches the DLQ after max_receive_count quick receives while the messages behind it
// keep flowing. A handler that throws fails only its message (counted, redelivered).
//
//   SqsConsumer consumer(io, broker_client, {.queue = "notification-events"}, log,
//                        [&](const ConsumedEvent& e, std::function<void(bool)> done) { ...; done(true); });
//   consumer.start();  // declares exchange, queues and binding (retrying until the broker answers), then polls
#ifndef SLUICE_NATIVE_SERVICES_COMMON_SQS_CONSUMER_H_
#define SLUICE_NATIVE_SERVICES_COMMON_SQS_CONSUMER_H_

#include <asio.hpp>
#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/observe/trace_context.h"
#include "core/services/common/order_event.h"
#include "native/runtime/http_client.h"
#include "native/runtime/json_log.h"
#include "native/services/common/consumer_metrics.h"

namespace sluice::native {

struct SqsConsumerOptions {
  std::string queue;
  std::string exchange = "orders";
  std::vector<std::string> bindings = {"order.*"};  // routing keys (topic patterns)
  int wait_seconds = 20;                            // long poll
  int max_messages = 10;
  int visibility_timeout_seconds = 30;
  int max_receive_count = 5;
  std::chrono::milliseconds retry_every{500};  // while the broker is away
};

struct ConsumedEvent {
  std::string message_id;
  services::OrderEvent event;  // the body, decoded and validated
  // trace: the producer's context (its span is the producer's), from the message's
  // traceparent and tracestate attributes (or the body's, for a producer that set
  // none), validated; none if absent or invalid.
  std::optional<observe::TraceContext> trace;
  int receive_count = 1;
};

// trace_of_message: ConsumedEvent::trace of an SQS ReceiveMessage `message` whose
// body is `event`.
std::optional<observe::TraceContext> trace_of_message(const nlohmann::json& message, const nlohmann::json& event);

class SqsConsumer {
 public:
  using Handler = std::function<void(const ConsumedEvent&, std::function<void(bool processed)>)>;

  SqsConsumer(asio::io_context& io, HttpClient& broker, SqsConsumerOptions options, JsonLog& log,
              ConsumerMetrics& metrics, Handler handler);

  void start();
  // ready: set up and polling (for /readyz).
  bool ready() const { return ready_; }
  std::uint64_t processed() const { return processed_; }

 private:
  void set_up(std::size_t step);
  void poll();
  // handle: the `index`th message of a received batch; calls `next` once it is settled.
  void handle(const nlohmann::json& message, std::function<void()> next);
  // reject: a poison message: logged and counted once, visible again at once (see above).
  void reject(const nlohmann::json& message, int receive_count, const Status& why, std::function<void()> next);
  void retry(std::function<void()> then);
  void sqs(std::string_view operation, const nlohmann::json& body, std::function<void(Result<nlohmann::json>)> done);
  std::string queue_url(std::string_view name) const;

  asio::io_context& io_;
  HttpClient& broker_;
  SqsConsumerOptions options_;
  JsonLog& log_;
  ConsumerMetrics& metrics_;
  Handler handler_;
  asio::steady_timer timer_;
  bool ready_ = false;
  std::uint64_t processed_ = 0;
};

}  // namespace sluice::native

#endif  // SLUICE_NATIVE_SERVICES_COMMON_SQS_CONSUMER_H_
