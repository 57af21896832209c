// The SQS endpoint's decoder: any body for any operation is answered, with 200 or a
// 4xx SQS error, never a crash or a 5xx. The first byte picks the operation; queues
// "q" and "q.fifo" exist, so inputs reach the operations' own checks.
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "core/broker/in_memory_broker.h"
#include "core/time/virtual_time.h"
#include "native/broker_server/sqs_api.h"

namespace {

constexpr const char* kOperations[] = {
    "CreateQueue",   "GetQueueUrl",       "ListQueues",         "DeleteQueue",
    "PurgeQueue",    "GetQueueAttributes", "SetQueueAttributes", "SendMessage",
    "SendMessageBatch", "ReceiveMessage", "DeleteMessage",      "DeleteMessageBatch",
    "ChangeMessageVisibility", "ChangeMessageVisibilityBatch", "NoSuchOperation"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  sluice::time::VirtualTime time;
  sluice::broker::InMemoryBroker broker(time, sluice::time::Prng(1));
  static_cast<void>(broker.create_queue("q", {}));
  static_cast<void>(broker.create_queue("q.fifo", {.fifo = true}));
  static_cast<void>(broker.send("q", {.body = "waiting"}));
  sluice::native::SqsApi api(broker, time, "http://127.0.0.1:9324");

  sluice::native::HttpRequest request;
  request.method = "POST";
  request.target = request.path = "/";
  request.headers = {{"content-type", "application/x-amz-json-1.0"},
                     {"x-amz-target", std::string("AmazonSQS.") + kOperations[data[0] % std::size(kOperations)]}};
  request.body = std::string(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::optional<int> status;
  api.handle(request, [&status](sluice::native::HttpResponse response) { status = response.status; });
  time.run_for(std::chrono::seconds(21));  // past any long poll
  if (!status || *status >= 500 || (*status != 200 && *status < 400)) std::abort();
  return 0;
}
