// inventory: the article's inventory service. REST on --bind:--port (3000) and gRPC
// inventory.InventoryService on --bind:--grpc_port (50051), stock in SQLite (in memory,
// or <--data_dir>/inventory.db), JSON logs on stderr, /metrics, /healthz, /readyz,
// /events (stock changes as Server-Sent Events), and /admin/faults with --enable_admin.
// SIGINT or SIGTERM: stop accepting, finish in-flight requests, exit 0.
#include <absl/flags/flag.h>
#include <grpcpp/grpcpp.h>

#include <array>
#include <asio.hpp>
#include <chrono>
#include <iostream>
#include <random>
#include <string>
#include <thread>

#include "native/cli/cli.h"
#include "native/runtime/asio_scheduler.h"
#include "native/runtime/event_stream.h"
#include "native/runtime/fault_injection.h"
#include "native/runtime/grpc_support.h"
#include "native/runtime/http_observability.h"
#include "native/runtime/http_server.h"
#include "native/services/inventory/inventory_api.h"
#include "native/services/inventory/stock_store.h"

ABSL_FLAG(std::string, bind, "127.0.0.1", "Address to listen on; loopback unless you name another.");
ABSL_FLAG(int, port, 3000, "REST port (0 picks a free one; the log says which).");
ABSL_FLAG(int, grpc_port, 50051, "gRPC port (0 picks a free one).");
ABSL_FLAG(std::string, data_dir, "", "Directory for inventory.db; empty keeps stock in memory.");
ABSL_FLAG(std::string, log_level, "info", "trace, debug, info, warn, error, critical or off.");
ABSL_FLAG(bool, enable_admin, false, "Serve /admin/faults (to loopback peers only) to inject latency and errors.");

namespace {

using sluice::native::JsonLog;

int fail(const std::string& message) {
  std::cerr << "inventory: " << message << "\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  sluice::native::parse_command_line(argc, argv,
                                     "The inventory service: REST and gRPC on loopback.\n"
                                     "  tools/bazel run //native/services:inventory -- --port=3000 --grpc_port=50051");
  const int port = absl::GetFlag(FLAGS_port);
  const int grpc_port = absl::GetFlag(FLAGS_grpc_port);
  if (port < 0 || port > 65535) return fail("--port must be from 0 to 65535, got " + std::to_string(port));
  if (grpc_port < 0 || grpc_port > 65535) {
    return fail("--grpc_port must be from 0 to 65535, got " + std::to_string(grpc_port));
  }
  sluice::Result<spdlog::level::level_enum> level = JsonLog::parse_level(absl::GetFlag(FLAGS_log_level));
  if (!level.ok()) return fail("--log_level: " + level.status().message());
  JsonLog log("inventory", *level);

  const std::string data_dir = absl::GetFlag(FLAGS_data_dir);
  auto store = sluice::native::StockStore::open(data_dir.empty() ? ":memory:" : data_dir + "/inventory.db");
  if (!store.ok()) return fail(store.status().message());

  sluice::native::Metrics metrics;
  sluice::native::HttpObservability observability("inventory", metrics, log);
  sluice::native::Router router;
  sluice::native::StockStore& stock = **store;
  if (sluice::Status s =
          sluice::native::add_standard_routes(router, "inventory", metrics, [&] { return stock.ping(); });
      !s.ok()) {
    return fail(s.message());
  }
  if (sluice::Status s = sluice::native::add_inventory_routes(router, stock); !s.ok()) return fail(s.message());
  sluice::native::EventHub events;
  if (sluice::Status s = sluice::native::add_events_route(router, events); !s.ok()) return fail(s.message());
  sluice::native::FaultInjector faults(std::random_device{}());
  const bool admin = absl::GetFlag(FLAGS_enable_admin);
  if (admin) {
    if (sluice::Status s = sluice::native::add_admin_routes(router, faults); !s.ok()) return fail(s.message());
  }

  asio::io_context io;
  sluice::native::AsioScheduler scheduler(io);
  // Stock changes, from any thread, become events on the loop for GET /events.
  stock.subscribe([&](const std::string& product, std::int32_t quantity) {
    asio::post(io, [&events, &scheduler, product, quantity] {
      const std::array<sluice::observe::Attribute, 1> attributes = {{{"quantity", std::int64_t{quantity}}}};
      events.on_event({.what = "stock.changed", .where = product, .when = scheduler.now(), .attributes = attributes});
    });
  });
  auto http = sluice::native::HttpServer::start(io, router,
                                                {.address = absl::GetFlag(FLAGS_bind),
                                                 .port = static_cast<std::uint16_t>(port),
                                                 .observer = &observability,
                                                 .faults = admin ? &faults : nullptr});
  if (!http.ok()) return fail(http.status().message() + " (change it with --port)");

  sluice::native::TraceIds trace_ids((static_cast<std::uint64_t>(std::random_device()()) << 32) ^
                                     std::random_device()());
  sluice::native::GrpcObservability grpc_observability("inventory.InventoryService", metrics, log);
  sluice::native::InventoryGrpcService grpc_service(stock, {.report = &grpc_observability, .ids = &trace_ids});
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

  asio::signal_set signals(io, SIGINT, SIGTERM);
  std::thread grpc_stopper;
  signals.async_wait([&](const asio::error_code&, int signal) {
    log.log(spdlog::level::info, "stopping", nullptr, std::nullopt, {{"signal", signal}});
    // gRPC's Shutdown waits for calls (streams are cancelled after the deadline); it
    // must not block the loop that finishes the HTTP requests.
    grpc_stopper =
        std::thread([&] { grpc_server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5)); });
    (*http)->shutdown([&] {
      log.log(spdlog::level::info, "http.drained", nullptr, std::nullopt);
      io.stop();  // timers of core components would otherwise keep the loop alive
    });
  });
  log.log(spdlog::level::info, "listening", nullptr, std::nullopt,
          {{"address", absl::GetFlag(FLAGS_bind)},
           {"port", (*http)->port()},
           {"grpc_port", bound_grpc_port},
           {"data", data_dir.empty() ? "memory" : data_dir + "/inventory.db"}});
  io.run();
  if (grpc_stopper.joinable()) grpc_stopper.join();
  log.log(spdlog::level::info, "stopped", nullptr, std::nullopt);
  return 0;
}
