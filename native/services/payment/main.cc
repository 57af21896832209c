// payment: charges and refunds for the order saga, idempotent by the saga's keys.
// REST on --bind:--port (3002), the ledger in SQLite (in memory, or
// <--data_dir>/payment.db); cards ending in 0000 are declined, for demos. JSON logs on
// stderr, /metrics, /healthz, /readyz, /events, /admin/faults with --enable_admin.
#include <absl/flags/flag.h>

#include <iostream>
#include <string>

#include "native/cli/cli.h"
#include "native/services/common/broker_link.h"
#include "native/services/common/event_publisher.h"
#include "native/services/common/service_host.h"
#include "native/services/common/sqs_consumer.h"
#include "native/services/payment/payment_api.h"
#include "native/services/payment/payment_reactions.h"
#include "native/services/payment/payment_store.h"

ABSL_FLAG(std::string, bind, "127.0.0.1", "Address to listen on; loopback unless you name another.");
ABSL_FLAG(int, port, 3002, "REST port (0 picks a free one; the log says which).");
ABSL_FLAG(std::string, data_dir, "", "Directory for payment.db; empty keeps the ledger in memory.");
ABSL_FLAG(bool, choreography, false,
          "Also take part in the choreographed order flow: charge on OrderCreated, refund on StockFailed.");
ABSL_FLAG(std::string, broker, "127.0.0.1:9324",
          "The broker: host:port of a sluice broker, or amqp://user:password@host:5672 for RabbitMQ directly.");
ABSL_FLAG(std::string, log_level, "info", "trace, debug, info, warn, error, critical or off.");
ABSL_FLAG(bool, enable_admin, false,
          "Serve the admin routes, to loopback peers only: /admin/faults (inject latency and errors) and "
          "/admin/trace-context-test (the W3C Trace Context test suite's service endpoint).");

int main(int argc, char** argv) {
  sluice::native::parse_command_line(argc, argv,
                                     "The payment service: charge and refund, idempotent by saga key.\n"
                                     "  tools/bazel run //native/services:payment -- --port=3002");
  const auto fail = [](const std::string& message) {
    std::cerr << "payment: " << message << "\n";
    return 2;
  };
  const std::string data_dir = absl::GetFlag(FLAGS_data_dir);
  auto store = sluice::native::PaymentStore::open(data_dir.empty() ? ":memory:" : data_dir + "/payment.db");
  if (!store.ok()) return fail(store.status().message());
  sluice::native::PaymentStore& ledger = **store;
  const bool choreography = absl::GetFlag(FLAGS_choreography);
  auto created = sluice::native::ServiceHost::create({.name = "payment",
                                                      .address = absl::GetFlag(FLAGS_bind),
                                                      .port = absl::GetFlag(FLAGS_port),
                                                      .log_level = absl::GetFlag(FLAGS_log_level),
                                                      .enable_admin = absl::GetFlag(FLAGS_enable_admin)},
                                                     [&] { return ledger.ping(); });
  if (!created.ok()) return fail(created.status().message());
  sluice::native::ServiceHost& host = **created;
  auto broker =
      sluice::native::BrokerLink::open(host.io(), host.scheduler(), absl::GetFlag(FLAGS_broker), choreography);
  if (!broker.ok()) return fail(broker.status().message());
  if (sluice::Status s = sluice::native::add_payment_routes(host.router(), ledger); !s.ok()) return fail(s.message());
  sluice::native::HttpClient broker_client(
      host.io(), {.host = (*broker)->address().host, .port = (*broker)->address().port, .target_service = "broker"});
  sluice::native::EventPublisher publisher(broker_client, "orders");
  sluice::native::PaymentReactions reactions(ledger, publisher, host.log());
  if (choreography) {
    host.consume(broker_client,
                 {.queue = "payment-reactions", .bindings = sluice::native::PaymentReactions::bindings()},
                 [&](const sluice::native::ConsumedEvent& e, std::function<void(bool)> done) {
                   reactions.handle(e, std::move(done));
                 });
  }
  if (sluice::Status s = host.listen(); !s.ok()) return fail(s.message());
  return host.run({{"data", data_dir.empty() ? "memory" : data_dir + "/payment.db"}, {"choreography", choreography}});
}
