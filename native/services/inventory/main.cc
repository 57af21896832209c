// inventory: the article's inventory service. REST on --bind:--port (3000) and gRPC
// inventory.InventoryService on --bind:--grpc_port (50051), stock in SQLite (in memory,
// or <--data_dir>/inventory.db), JSON logs on stderr, /metrics, /healthz, /readyz,
// /events (stock changes as Server-Sent Events), and /admin/faults with --enable_admin.
// SIGINT or SIGTERM: stop accepting, finish in-flight requests, exit 0.
#include <absl/flags/flag.h>
#include <grpcpp/grpcpp.h>

#include <array>
#include <chrono>
#include <iostream>
#include <random>
#include <string>
#include <thread>

#include "native/cli/cli.h"
#include "native/runtime/grpc_support.h"
#include "native/services/common/broker_link.h"
#include "native/services/common/event_publisher.h"
#include "native/services/common/service_host.h"
#include "native/services/common/sqs_consumer.h"
#include "native/services/inventory/inventory_api.h"
#include "native/services/inventory/inventory_reactions.h"
#include "native/services/inventory/stock_store.h"

ABSL_FLAG(std::string, bind, "127.0.0.1", "Address to listen on; loopback unless you name another.");
ABSL_FLAG(int, port, 3000, "REST port (0 picks a free one; the log says which).");
ABSL_FLAG(int, grpc_port, 50051, "gRPC port (0 picks a free one).");
ABSL_FLAG(std::string, data_dir, "", "Directory for inventory.db; empty keeps stock in memory.");
ABSL_FLAG(bool, choreography, false,
          "Also take part in the choreographed order flow: reserve stock on PaymentCharged.");
ABSL_FLAG(std::string, broker, "127.0.0.1:9324",
          "The broker: host:port of a sluice broker, or amqp://user:password@host:5672 for RabbitMQ directly.");
ABSL_FLAG(std::string, log_level, "info", "trace, debug, info, warn, error, critical or off.");
ABSL_FLAG(bool, enable_admin, false,
          "Serve the admin routes, to loopback peers only: /admin/faults (inject latency and errors) and "
          "/admin/trace-context-test (the W3C Trace Context test suite's service endpoint).");

namespace {

int fail(const std::string& message) {
  std::cerr << "inventory: " << message << "\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  sluice::native::parse_command_line(argc, argv,
                                     "The inventory service: REST and gRPC on loopback.\n"
                                     "  tools/bazel run //native/services:inventory -- --port=3000 --grpc_port=50051");
  const int grpc_port = absl::GetFlag(FLAGS_grpc_port);
  if (grpc_port < 0 || grpc_port > 65535) {
    return fail("--grpc_port must be from 0 to 65535, got " + std::to_string(grpc_port));
  }
  const std::string data_dir = absl::GetFlag(FLAGS_data_dir);
  auto store = sluice::native::StockStore::open(data_dir.empty() ? ":memory:" : data_dir + "/inventory.db");
  if (!store.ok()) return fail(store.status().message());
  sluice::native::StockStore& stock = **store;
  const bool choreography = absl::GetFlag(FLAGS_choreography);

  auto created = sluice::native::ServiceHost::create({.name = "inventory",
                                                      .address = absl::GetFlag(FLAGS_bind),
                                                      .port = absl::GetFlag(FLAGS_port),
                                                      .log_level = absl::GetFlag(FLAGS_log_level),
                                                      .enable_admin = absl::GetFlag(FLAGS_enable_admin)},
                                                     [&] { return stock.ping(); });
  if (!created.ok()) return fail(created.status().message());
  sluice::native::ServiceHost& host = **created;
  auto broker =
      sluice::native::BrokerLink::open(host.io(), host.scheduler(), absl::GetFlag(FLAGS_broker), choreography);
  if (!broker.ok()) return fail(broker.status().message());
  if (sluice::Status s = sluice::native::add_inventory_routes(host.router(), stock); !s.ok()) return fail(s.message());

  // Stock changes, from any thread, become events on the loop for GET /events.
  stock.subscribe([&](const std::string& product, std::int32_t quantity) {
    asio::post(host.io(), [&host, product, quantity] {
      const std::array<sluice::observe::Attribute, 1> attributes = {{{"quantity", std::int64_t{quantity}}}};
      host.events().on_event(
          {.what = "stock.changed", .where = product, .when = host.scheduler().now(), .attributes = attributes});
    });
  });
  sluice::native::HttpClient broker_client(
      host.io(), {.host = (*broker)->address().host, .port = (*broker)->address().port, .target_service = "broker"});
  sluice::native::EventPublisher publisher(broker_client, "orders");
  sluice::native::InventoryReactions reactions(stock, publisher, host.log());
  if (choreography) {
    host.consume(broker_client,
                 {.queue = "inventory-reactions", .bindings = sluice::native::InventoryReactions::bindings()},
                 [&](const sluice::native::ConsumedEvent& e, std::function<void(bool)> done) {
                   reactions.handle(e, std::move(done));
                 });
  }
  if (sluice::Status s = host.listen(); !s.ok()) return fail(s.message());

  sluice::native::TraceIds trace_ids((static_cast<std::uint64_t>(std::random_device()()) << 32) ^
                                     std::random_device()());
  sluice::native::GrpcObservability grpc_observability("inventory.InventoryService", host.metrics(), host.log());
  // Its own limiter: gRPC calls run on gRPC's threads, with their own latency.
  std::unique_ptr<sluice::resilience::AdaptiveLimiter> grpc_limiter = host.make_limiter("inventory-grpc");
  sluice::native::InventoryGrpcService grpc_service(
      stock, {.report = &grpc_observability, .ids = &trace_ids, .limiter = grpc_limiter.get()});
  grpc::ServerBuilder builder;
  int bound_grpc_port = 0;
  builder.AddListeningPort(absl::GetFlag(FLAGS_bind) + ":" + std::to_string(grpc_port),
                           grpc::InsecureServerCredentials(), &bound_grpc_port);
  builder.RegisterService(&grpc_service);
  std::unique_ptr<grpc::Server> grpc_server = builder.BuildAndStart();
  if (grpc_server == nullptr || bound_grpc_port == 0) {
    return fail("cannot listen on " + absl::GetFlag(FLAGS_bind) + ":" + std::to_string(grpc_port) +
                " for gRPC (change it with --grpc_port)");
  }

  // gRPC's Shutdown waits for calls (streams are cancelled after the deadline); it must
  // not block the loop that finishes the HTTP requests.
  std::thread grpc_stopper;
  host.add_listening_port("grpc_port", static_cast<std::uint16_t>(bound_grpc_port));
  const int code = host.run({{"data", data_dir.empty() ? "memory" : data_dir + "/inventory.db"}}, [&] {
    grpc_stopper =
        std::thread([&] { grpc_server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5)); });
  });
  if (grpc_stopper.joinable()) grpc_stopper.join();
  return code;
}
