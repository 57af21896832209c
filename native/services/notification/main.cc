// notification: reads order events from the broker (the "notification-events" SQS
// queue, bound to the "orders" exchange) and "sends" each customer message by
// appending a JSON line to an outbox file, acknowledging an event only once its line
// is on disk. REST on --bind:--port (3003): /metrics, /healthz, /readyz (ready once
// the queue is set up), /events.
#include <absl/flags/flag.h>

#include <cstdlib>
#include <iostream>
#include <string>

#include "native/cli/cli.h"
#include "native/services/common/broker_link.h"
#include "native/services/common/service_host.h"
#include "native/services/common/sqs_consumer.h"
#include "native/services/notification/notifier.h"

ABSL_FLAG(std::string, bind, "127.0.0.1", "Address to listen on; loopback unless you name another.");
ABSL_FLAG(int, port, 3003, "REST port (0 picks a free one; the log says which).");
ABSL_FLAG(std::string, broker, "127.0.0.1:9324",
          "The broker: host:port of a sluice broker, or amqp://user:password@host:5672 for RabbitMQ directly.");
ABSL_FLAG(std::string, queue, "notification-events", "The SQS queue to read (created and bound if missing).");
ABSL_FLAG(std::string, outbox, "",
          "The file messages are appended to; default notifications.jsonl under --data_dir, or in the directory "
          "the command was run from.");
ABSL_FLAG(std::string, data_dir, "", "Directory for notifications.jsonl when --outbox is not given.");
ABSL_FLAG(std::string, log_level, "info", "trace, debug, info, warn, error, critical or off.");
ABSL_FLAG(bool, enable_admin, false,
          "Serve the admin routes, to loopback peers only: /admin/faults (inject latency and errors) and "
          "/admin/trace-context-test (the W3C Trace Context test suite's service endpoint).");

int main(int argc, char** argv) {
  sluice::native::parse_command_line(argc, argv,
                                     "The notification service: order events in, customer messages out.\n"
                                     "  tools/bazel run //native/services:notification -- --port=3003");
  const auto fail = [](const std::string& message) {
    std::cerr << "notification: " << message << "\n";
    return 2;
  };
  std::string outbox = absl::GetFlag(FLAGS_outbox);
  if (outbox.empty()) {
    const char* run_from = std::getenv("BUILD_WORKING_DIRECTORY");  // set by `bazel run`
    const std::string dir = !absl::GetFlag(FLAGS_data_dir).empty() ? absl::GetFlag(FLAGS_data_dir)
                            : run_from != nullptr                  ? run_from
                                                                   : ".";
    outbox = dir + "/notifications.jsonl";
  }
  auto notifier = sluice::native::Notifier::open(outbox);
  if (!notifier.ok()) return fail(notifier.status().message());

  auto created = sluice::native::ServiceHost::create({.name = "notification",
                                                      .address = absl::GetFlag(FLAGS_bind),
                                                      .port = absl::GetFlag(FLAGS_port),
                                                      .log_level = absl::GetFlag(FLAGS_log_level),
                                                      .enable_admin = absl::GetFlag(FLAGS_enable_admin)},
                                                     [] { return sluice::Status(); });
  if (!created.ok()) return fail(created.status().message());
  sluice::native::ServiceHost& host = **created;
  auto broker = sluice::native::BrokerLink::open(host.io(), host.scheduler(), absl::GetFlag(FLAGS_broker));
  if (!broker.ok()) return fail(broker.status().message());
  sluice::native::HttpClient broker_client(
      host.io(), {.host = (*broker)->address().host, .port = (*broker)->address().port, .target_service = "broker"});
  host.consume(
      broker_client, {.queue = absl::GetFlag(FLAGS_queue)},
      [&](const sluice::native::ConsumedEvent& consumed, std::function<void(bool)> done) {
        const std::string trace_id = consumed.trace ? consumed.trace->trace_id_hex() : "";
        sluice::Result<sluice::native::NotifyOutcome> outcome = (*notifier)->notify(consumed.event, trace_id);
        const sluice::observe::TraceContext* trace = consumed.trace ? &*consumed.trace : nullptr;
        if (!outcome.ok()) {
          host.log().log(spdlog::level::err, "notification.failed", trace, std::nullopt,
                         {{"error", outcome.status().message()}, {"messageId", consumed.message_id}});
          return done(outcome.status().code() == sluice::StatusCode::kInvalidArgument);  // bad events are dropped
        }
        const char* what = *outcome == sluice::native::NotifyOutcome::kSent        ? "notification.sent"
                           : *outcome == sluice::native::NotifyOutcome::kDuplicate ? "notification.duplicate"
                                                                                   : "notification.ignored";
        host.log().log(spdlog::level::info, what, trace, std::nullopt,
                       {{"orderId", consumed.event.order_id},
                        {"eventType", consumed.event.event_type},
                        {"receiveCount", consumed.receive_count}});
        done(true);
      });
  if (sluice::Status s = host.listen(); !s.ok()) return fail(s.message());
  return host.run({{"outbox", outbox}, {"queue", absl::GetFlag(FLAGS_queue)}, {"broker", (*broker)->describe()}});
}
