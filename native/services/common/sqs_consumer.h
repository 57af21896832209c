// sqs_consumer.h: SqsConsumer, how the notification and analytics services read order
// events: an SQS queue on the broker fed by its topic exchange, read by long polling,
// each message deleted only after its handler says it was processed, so a crash or a
// failed handler means redelivery after the visibility timeout. After
// `max_receive_count` receives a message goes to "<queue>-dlq" (malformed events end
// there instead of looping).
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
#include <string>
#include <vector>

#include "core/observe/trace_context.h"
#include "native/runtime/http_client.h"
#include "native/runtime/json_log.h"

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
  nlohmann::json event;                        // the body, parsed (an object)
  std::optional<observe::TraceContext> trace;  // from the event's traceparent
  int receive_count = 1;
};

class SqsConsumer {
 public:
  using Handler = std::function<void(const ConsumedEvent&, std::function<void(bool processed)>)>;

  SqsConsumer(asio::io_context& io, HttpClient& broker, SqsConsumerOptions options, JsonLog& log, Handler handler);

  void start();
  // ready: set up and polling (for /readyz).
  bool ready() const { return ready_; }
  std::uint64_t processed() const { return processed_; }

 private:
  void set_up(std::size_t step);
  void poll();
  void retry(std::function<void()> then);
  void sqs(std::string_view operation, const nlohmann::json& body, std::function<void(Result<nlohmann::json>)> done);
  std::string queue_url(std::string_view name) const;

  asio::io_context& io_;
  HttpClient& broker_;
  SqsConsumerOptions options_;
  JsonLog& log_;
  Handler handler_;
  asio::steady_timer timer_;
  bool ready_ = false;
  std::uint64_t processed_ = 0;
};

}  // namespace sluice::native

#endif  // SLUICE_NATIVE_SERVICES_COMMON_SQS_CONSUMER_H_
