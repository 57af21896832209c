#include "native/services/common/sqs_consumer.h"

#include <memory>

namespace sluice::native {
namespace {

using nlohmann::json;

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

SqsConsumer::SqsConsumer(asio::io_context& io, HttpClient& broker, SqsConsumerOptions options, JsonLog& log,
                         Handler handler)
    : io_(io), broker_(broker), options_(std::move(options)), log_(log), handler_(std::move(handler)), timer_(io) {}

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
                        {"MessageSystemAttributeNames", {"ApproximateReceiveCount"}}};
  sqs("ReceiveMessage", request, [this](Result<json> answer) {
    if (!answer.ok()) {
      log_.log(spdlog::level::warn, "consumer.receive_failed", nullptr, std::nullopt,
               {{"queue", options_.queue}, {"error", answer.status().message()}});
      ready_ = false;
      return retry([this] { set_up(0); });  // the broker may have lost the queue
    }
    const json messages = answer->value("Messages", json::array());
    if (messages.empty()) return poll();
    // Handle the batch one message at a time, in order; poll again after the last.
    auto remaining = std::make_shared<std::vector<json>>(messages.begin(), messages.end());
    // The step holds itself only weakly; the callbacks in flight keep it alive.
    auto step = std::make_shared<std::function<void(std::size_t)>>();
    *step = [this, remaining, weak = std::weak_ptr(step)](std::size_t i) {
      const std::shared_ptr<std::function<void(std::size_t)>> next = weak.lock();
      if (i == remaining->size()) return poll();
      const json& message = (*remaining)[i];
      ConsumedEvent consumed;
      consumed.message_id = message.value("MessageId", "");
      consumed.event = json::parse(message.value("Body", ""), nullptr, false);
      const std::string receive_count =
          message.contains("Attributes") ? message["Attributes"].value("ApproximateReceiveCount", "1") : "1";
      consumed.receive_count = std::atoi(receive_count.c_str());
      if (!consumed.event.is_object()) {
        log_.log(spdlog::level::err, "consumer.malformed_event", nullptr, std::nullopt,
                 {{"queue", options_.queue}, {"messageId", consumed.message_id}});
        return (*next)(i + 1);  // left in the queue: its DLQ will take it
      }
      if (consumed.event.contains("traceparent") && consumed.event["traceparent"].is_string()) {
        Result<observe::TraceContext> trace =
            observe::parse_traceparent(consumed.event["traceparent"].get<std::string>());
        if (trace.ok()) consumed.trace = *trace;
      }
      const std::string receipt = message.value("ReceiptHandle", "");
      handler_(consumed, [this, next, i, receipt](bool processed) {
        if (!processed) return (*next)(i + 1);  // redelivered after its visibility timeout
        ++processed_;
        sqs("DeleteMessage", {{"QueueUrl", queue_url(options_.queue)}, {"ReceiptHandle", receipt}},
            [this, next, i](Result<json> deleted) {
              if (!deleted.ok()) {
                log_.log(spdlog::level::warn, "consumer.delete_failed", nullptr, std::nullopt,
                         {{"queue", options_.queue}, {"error", deleted.status().message()}});
              }
              (*next)(i + 1);
            });
      });
    };
    (*step)(0);
  });
}

}  // namespace sluice::native
