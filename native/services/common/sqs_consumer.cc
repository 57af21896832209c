#include "native/services/common/sqs_consumer.h"

#include <cstdlib>
#include <exception>
#include <memory>

namespace sluice::native {
namespace {

using nlohmann::json;

// text_field: `object[key]` if it is a string, else "": the broker's answers are read
// as untrusted as the bodies they carry.
std::string text_field(const json& object, const char* key) {
  if (!object.is_object()) return "";
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

int receive_count_of(const json& message) {
  if (!message.is_object()) return 1;
  const auto attributes = message.find("Attributes");
  if (attributes == message.end()) return 1;
  const int count = std::atoi(text_field(*attributes, "ApproximateReceiveCount").c_str());
  return count > 0 ? count : 1;
}

HttpRequest post(std::string target, std::string body, HttpHeaders headers) {
  HttpRequest request;
  request.method = "POST";
  request.path = target;
  request.target = std::move(target);
  request.headers = std::move(headers);
  request.body = std::move(body);
  return request;
}

}  // namespace

std::optional<observe::TraceContext> trace_of_message(const json& message, const json& event) {
  const auto attributes = message.find("MessageAttributes");
  const json none = json::object();
  const json& attribute = attributes != message.end() && attributes->is_object() ? *attributes : none;
  const auto value_of = [&](const char* name) {
    const auto it = attribute.find(name);
    return it == attribute.end() ? std::string() : text_field(*it, "StringValue");
  };
  std::string traceparent = value_of("traceparent");
  std::string tracestate = value_of("tracestate");
  if (traceparent.empty()) {  // a producer that put its trace only in the body
    traceparent = text_field(event, "traceparent");
    tracestate = text_field(event, "tracestate");
  }
  Result<observe::TraceContext> trace =
      observe::read_trace_context(observe::TraceHeaders::one(traceparent, tracestate));
  if (!trace.ok()) return std::nullopt;
  return *trace;
}

SqsConsumer::SqsConsumer(asio::io_context& io, HttpClient& broker, SqsConsumerOptions options, JsonLog& log,
                         ConsumerMetrics& metrics, Handler handler)
    : io_(io),
      broker_(broker),
      options_(std::move(options)),
      log_(log),
      metrics_(metrics),
      handler_(std::move(handler)),
      timer_(io) {}

std::string SqsConsumer::queue_url(std::string_view name) const {
  // The broker names queues by the URL's last segment; host and port do not matter.
  return "http://127.0.0.1/000000000000/" + std::string(name);
}

void SqsConsumer::start() { set_up(0); }

void SqsConsumer::retry(std::function<void()> then) {
  timer_.expires_after(options_.retry_every);
  timer_.async_wait([then = std::move(then)](const asio::error_code& error) {
    if (!error) then();
  });
}

void SqsConsumer::sqs(std::string_view operation, const json& body, std::function<void(Result<json>)> done) {
  broker_.request(
      post("/", body.dump(),
           {{"content-type", "application/x-amz-json-1.0"}, {"x-amz-target", "AmazonSQS." + std::string(operation)}}),
      [done = std::move(done)](Result<HttpClientResponse> response) {
        if (!response.ok()) return done(response.status());
        json parsed = json::parse(response->body, nullptr, false);
        if (response->status != 200 || parsed.is_discarded()) {
          return done(Status(StatusCode::kUnavailable,
                             "SQS answered " + std::to_string(response->status) + ": " + response->body));
        }
        done(std::move(parsed));
      });
}

void SqsConsumer::set_up(std::size_t step) {
  // Each step is idempotent: run them all again from the start after any failure.
  const auto next = [this, step](Result<HttpClientResponse> response) {
    if (!response.ok() || response->status != 200) {
      if (step == 0) {
        log_.log(spdlog::level::warn, "consumer.broker_unavailable", nullptr, std::nullopt,
                 {{"queue", options_.queue}, {"error", response.ok() ? response->body : response.status().message()}});
      }
      return retry([this] { set_up(0); });
    }
    set_up(step + 1);
  };
  const std::string dlq = options_.queue + "-dlq";
  const HttpHeaders sqs_headers = {{"content-type", "application/x-amz-json-1.0"}};
  switch (step) {
    case 0:
      return broker_.request(post("/v1/exchanges/" + options_.exchange, json{{"type", "topic"}}.dump(), {}), next);
    case 1: {
      HttpHeaders headers = sqs_headers;
      headers.emplace_back("x-amz-target", "AmazonSQS.CreateQueue");
      return broker_.request(post("/", json{{"QueueName", dlq}}.dump(), headers), next);
    }
    case 2: {
      HttpHeaders headers = sqs_headers;
      headers.emplace_back("x-amz-target", "AmazonSQS.CreateQueue");
      const json redrive = {{"deadLetterTargetArn", "arn:aws:sqs:us-east-1:000000000000:" + dlq},
                            {"maxReceiveCount", std::to_string(options_.max_receive_count)}};
      const json body = {{"QueueName", options_.queue},
                         {"Attributes",
                          {{"VisibilityTimeout", std::to_string(options_.visibility_timeout_seconds)},
                           {"RedrivePolicy", redrive.dump()}}}};
      return broker_.request(post("/", body.dump(), headers), next);
    }
    default:
      if (step - 3 < options_.bindings.size()) {
        return broker_.request(
            post("/v1/exchanges/" + options_.exchange + "/bindings",
                 json{{"queue", options_.queue}, {"routing_key", options_.bindings[step - 3]}}.dump(), {}),
            next);
      }
      ready_ = true;
      log_.log(spdlog::level::info, "consumer.ready", nullptr, std::nullopt,
               {{"queue", options_.queue}, {"exchange", options_.exchange}, {"bindings", options_.bindings}});
      poll();
  }
}

void SqsConsumer::poll() {
  const json request = {{"QueueUrl", queue_url(options_.queue)},
                        {"MaxNumberOfMessages", options_.max_messages},
                        {"WaitTimeSeconds", options_.wait_seconds},
                        {"MessageSystemAttributeNames", {"ApproximateReceiveCount"}},
                        {"MessageAttributeNames", {"traceparent", "tracestate"}}};
  sqs("ReceiveMessage", request, [this](Result<json> answer) {
    if (!answer.ok()) {
      log_.log(spdlog::level::warn, "consumer.receive_failed", nullptr, std::nullopt,
               {{"queue", options_.queue}, {"error", answer.status().message()}});
      ready_ = false;
      return retry([this] { set_up(0); });  // the broker may have lost the queue
    }
    const auto messages = answer->find("Messages");
    if (messages == answer->end() || !messages->is_array() || messages->empty()) return poll();
    // Handle the batch one message at a time, in order; poll again after the last.
    auto remaining = std::make_shared<std::vector<json>>(messages->begin(), messages->end());
    // The step holds itself only weakly; the callbacks in flight keep it alive.
    auto step = std::make_shared<std::function<void(std::size_t)>>();
    *step = [this, remaining, weak = std::weak_ptr(step)](std::size_t i) {
      const std::shared_ptr<std::function<void(std::size_t)>> self = weak.lock();
      if (i == remaining->size()) return poll();
      handle((*remaining)[i], [self, i] { (*self)(i + 1); });
    };
    (*step)(0);
  });
}

void SqsConsumer::handle(const json& message, std::function<void()> next) {
  const std::string message_id = text_field(message, "MessageId");
  const std::string receipt = text_field(message, "ReceiptHandle");
  const int receive_count = receive_count_of(message);
  Result<services::OrderEvent> decoded = services::decode_order_event(text_field(message, "Body"));
  if (!decoded.ok()) return reject(message, receive_count, decoded.status(), std::move(next));
  ConsumedEvent consumed{.message_id = message_id, .event = *std::move(decoded), .receive_count = receive_count};
  consumed.trace = trace_of_message(message, consumed.event.body);
  // The message is settled once: by its handler, by the handler throwing, or, if the
  // handler never answers, when its visibility timeout has given it back to the queue.
  struct Settlement {
    bool settled = false;
    asio::steady_timer deadline;
  };
  auto settlement = std::make_shared<Settlement>(
      Settlement{.deadline = asio::steady_timer(io_, std::chrono::seconds(options_.visibility_timeout_seconds))});
  auto settle = [this, settlement, next, receipt](bool processed) {
    if (settlement->settled) return;
    settlement->settled = true;
    settlement->deadline.cancel();
    if (!processed) return next();  // redelivered after its visibility timeout
    ++processed_;
    sqs("DeleteMessage", {{"QueueUrl", queue_url(options_.queue)}, {"ReceiptHandle", receipt}},
        [this, next](Result<json> deleted) {
          if (!deleted.ok()) {
            log_.log(spdlog::level::warn, "consumer.delete_failed", nullptr, std::nullopt,
                     {{"queue", options_.queue}, {"error", deleted.status().message()}});
          }
          next();
        });
  };
  settlement->deadline.async_wait([this, settle, message_id](const asio::error_code& error) {
    if (error) return;
    log_.log(spdlog::level::err, "consumer.handler_timed_out", nullptr, std::nullopt,
             {{"queue", options_.queue}, {"messageId", message_id}});
    metrics_.handler_failed(options_.queue);
    settle(false);
  });
  try {
    handler_(consumed, settle);
  } catch (const std::exception& error) {
    // The last line: a bug in a handler fails its message, never the process.
    log_.log(spdlog::level::err, "consumer.handler_threw", consumed.trace ? &*consumed.trace : nullptr, std::nullopt,
             {{"queue", options_.queue}, {"messageId", message_id}, {"error", error.what()}});
    metrics_.handler_failed(options_.queue);
    settle(false);
  }
}

void SqsConsumer::reject(const json& message, int receive_count, const Status& why, std::function<void()> next) {
  if (receive_count <= 1) {
    log_.log(spdlog::level::err, "consumer.rejected", nullptr, std::nullopt,
             {{"queue", options_.queue},
              {"messageId", text_field(message, "MessageId")},
              {"reason", why.reason()},
              {"error", why.message()}});
    metrics_.rejected(options_.queue, why.reason());
  }
  // Visible again at once: it will never become valid, so it goes through its receives
  // quickly and the queue's redrive policy moves it to the DLQ.
  sqs("ChangeMessageVisibility",
      {{"QueueUrl", queue_url(options_.queue)},
       {"ReceiptHandle", text_field(message, "ReceiptHandle")},
       {"VisibilityTimeout", 0}},
      [this, next = std::move(next)](Result<json> changed) {
        if (!changed.ok()) {  // it comes back after its visibility timeout instead
          log_.log(spdlog::level::warn, "consumer.change_visibility_failed", nullptr, std::nullopt,
                   {{"queue", options_.queue}, {"error", changed.status().message()}});
        }
        next();
      });
}

}  // namespace sluice::native
