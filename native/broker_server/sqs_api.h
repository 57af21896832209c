// sqs_api.h: SqsApi, the AWS JSON 1.0 protocol for SQS over a core MessageBroker, so
// that SQS clients (the AWS SDKs, the article's producer and consumer) work against
// it by changing only the endpoint:
//
//   POST /  Content-Type: application/x-amz-json-1.0
//           X-Amz-Target: AmazonSQS.SendMessage
//           {"QueueUrl": "http://127.0.0.1:9324/000000000000/orders", "MessageBody": "..."}
//
// The queue is named by QueueUrl in the body, never by the path. SigV4 Authorization
// headers are accepted and ignored. Operations so far: CreateQueue, GetQueueUrl,
// ListQueues, DeleteQueue, PurgeQueue, Get/SetQueueAttributes, SendMessage(Batch),
// ReceiveMessage (with real long polling), DeleteMessage(Batch),
// ChangeMessageVisibility(Batch); any other target is UnsupportedOperation. Runs on
// the broker's thread.
#ifndef SLUICE_NATIVE_BROKER_SERVER_SQS_API_H_
#define SLUICE_NATIVE_BROKER_SERVER_SQS_API_H_

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "core/broker/message_broker.h"
#include "core/time/clock.h"
#include "native/broker_server/sqs_wire.h"
#include "native/runtime/http_request_parser.h"
#include "native/runtime/router.h"

namespace sluice::native {

class SqsApi {
 public:
  // kHttpLimits: what the HTTP server in front must accept so that SQS's own quotas
  // (1 MiB per message and per batch) answer with SQS errors, JSON and base64 included.
  static constexpr HttpLimits kHttpLimits{.max_header_bytes = 16 * 1024, .max_body_bytes = 3 * 1024 * 1024};

  // SqsApi: `base_url` is how clients reach this server ("http://127.0.0.1:9324");
  // `clock` is the broker's.
  SqsApi(broker::MessageBroker& broker, const time::Clock& clock, std::string base_url);

  // handle: one request to POST /.
  void handle(const HttpRequest& request, Responder reply);

  // add_routes: POST / on `router`.
  Status add_routes(Router& router);

 private:
  using Body = nlohmann::json;
  HttpResponse create_queue(const Body& body);
  HttpResponse get_queue_url(const Body& body);
  HttpResponse list_queues(const Body& body);
  HttpResponse delete_queue(const Body& body);
  HttpResponse purge_queue(const Body& body);
  HttpResponse get_queue_attributes(const Body& body);
  HttpResponse set_queue_attributes(const Body& body);
  HttpResponse send_message(const Body& body);
  HttpResponse send_batch(const Body& body);
  void receive_message(const Body& body, Responder reply);
  HttpResponse delete_message(const Body& body);
  HttpResponse change_visibility(const Body& body);

  // One entry of a single or batch call: the success fields, or the SQS error.
  Result<nlohmann::json> send_entry(const std::string& queue, const nlohmann::json& entry);
  Status delete_entry(const std::string& queue, const nlohmann::json& entry);
  Status change_entry(const std::string& queue, const nlohmann::json& entry);

  // batch: the checks every *Batch call makes (1 to 10 entries, distinct valid ids),
  // then `run` per entry, answered as {"Successful": [...], "Failed": [...]}.
  static constexpr std::size_t kMaxBatchEntries = 10;
  using BatchEntry = std::function<Result<nlohmann::json>(const std::string& queue, const nlohmann::json& entry)>;
  HttpResponse batch(const Body& body, const char* entries_key, const BatchEntry& run);

  // queue_of: the queue named by the body's QueueUrl, if it exists.
  Result<std::string> queue_of(const Body& body) const;
  // epoch_millis: an instant of the broker's clock as wall-clock milliseconds.
  std::int64_t epoch_millis(time::Instant instant) const;

  broker::MessageBroker& broker_;
  const time::Clock& clock_;
  QueueUrls urls_;
};

}  // namespace sluice::native

#endif  // SLUICE_NATIVE_BROKER_SERVER_SQS_API_H_
