// analytics: reads order events from the broker (the "analytics-events" SQS queue,
// bound to the "orders" exchange) and counts them: Prometheus RED metrics per event
// type on /metrics, and GET /api/analytics for the totals. REST on --bind:--port
// (3004); /healthz, /readyz (ready once the queue is set up), /events.
#include <absl/flags/flag.h>

#include <iostream>
#include <string>

#include "native/cli/cli.h"
#include "native/services/analytics/event_counts.h"
#include "native/services/common/broker_link.h"
#include "native/services/common/service_host.h"
#include "native/services/common/sqs_consumer.h"

ABSL_FLAG(std::string, bind, "127.0.0.1", "Address to listen on; loopback unless you name another.");
ABSL_FLAG(int, port, 3004, "REST port (0 picks a free one; the log says which).");
ABSL_FLAG(std::string, broker, "127.0.0.1:9324",
          "The broker: host:port of a sluice broker, or amqp://user:password@host:5672 for RabbitMQ directly.");
ABSL_FLAG(std::string, queue, "analytics-events", "The SQS queue to read (created and bound if missing).");
ABSL_FLAG(std::string, log_level, "info", "trace, debug, info, warn, error, critical or off.");
ABSL_FLAG(bool, enable_admin, false,
          "Serve the admin routes, to loopback peers only: /admin/faults (inject latency and errors) and "
          "/admin/trace-context-test (the W3C Trace Context test suite's service endpoint).");

int main(int argc, char** argv) {
  sluice::native::parse_command_line(argc, argv,
                                     "The analytics service: counts order events (RED metrics per event type).\n"
                                     "  tools/bazel run //native/services:analytics -- --port=3004");
  const auto fail = [](const std::string& message) {
    std::cerr << "analytics: " << message << "\n";
    return 2;
  };
  auto created = sluice::native::ServiceHost::create({.name = "analytics",
                                                      .address = absl::GetFlag(FLAGS_bind),
                                                      .port = absl::GetFlag(FLAGS_port),
                                                      .log_level = absl::GetFlag(FLAGS_log_level),
                                                      .enable_admin = absl::GetFlag(FLAGS_enable_admin)},
                                                     [] { return sluice::Status(); });
  if (!created.ok()) return fail(created.status().message());
  sluice::native::ServiceHost& host = **created;
  auto broker = sluice::native::BrokerLink::open(host.io(), host.scheduler(), absl::GetFlag(FLAGS_broker));
  if (!broker.ok()) return fail(broker.status().message());
  sluice::native::EventCounts counts(host.metrics().registry());
  if (sluice::Status s = host.router().add(
          "GET", "/api/analytics",
          [&](const sluice::native::HttpRequest&, const sluice::native::PathParams&, sluice::native::Responder reply) {
            reply(sluice::native::HttpResponse::json(200, counts.summary()));
          });
      !s.ok()) {
    return fail(s.message());
  }
  sluice::native::HttpClient broker_client(
      host.io(), {.host = (*broker)->address().host, .port = (*broker)->address().port, .target_service = "broker"});
  host.consume(broker_client, {.queue = absl::GetFlag(FLAGS_queue)},
               [&](const sluice::native::ConsumedEvent& consumed, std::function<void(bool)> done) {
                 const sluice::observe::TraceContext* trace = consumed.trace ? &*consumed.trace : nullptr;
                 const bool counted = counts.record(consumed.event, std::chrono::steady_clock::now());
                 host.log().log(spdlog::level::info, counted ? "analytics.counted" : "analytics.duplicate", trace,
                                std::nullopt,
                                {{"eventType", consumed.event.event_type}, {"orderId", consumed.event.order_id}});
                 done(true);
               });
  if (sluice::Status s = host.listen(); !s.ok()) return fail(s.message());
  return host.run({{"queue", absl::GetFlag(FLAGS_queue)}, {"broker", (*broker)->describe()}});
}
