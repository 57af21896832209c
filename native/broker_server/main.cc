// broker: the core broker served over HTTP with the AWS JSON 1.0 protocol for SQS, so
// SQS clients work against it by changing only the endpoint. Binds 127.0.0.1:9324 by
// default (the usual SQS-emulator port); the exchange and topic models under /v1 (see
// broker_api.h); /metrics and /healthz on the same port; one JSON log line per
// request. In memory unless --data_dir names where to keep a durable copy: then every
// change is committed to SQLite (one fsync per event-loop turn, shared by the requests
// in it) before its reply, and a restart, even after kill -9, restores the queues.
#include <absl/flags/flag.h>

#include <asio.hpp>
#include <filesystem>
#include <iostream>
#include <random>
#include <string>

#include "core/broker/in_memory_broker.h"
#include "native/amqp/amqp_broker.h"
#include "native/amqp/amqp_pump.h"
#include "native/broker_server/broker_api.h"
#include "native/broker_server/sqlite_broker_journal.h"
#include "native/broker_server/sqs_api.h"
#include "native/cli/cli.h"
#include "native/runtime/asio_scheduler.h"
#include "native/runtime/event_stream.h"
#include "native/runtime/group_commit.h"
#include "native/runtime/http_observability.h"
#include "native/runtime/http_server.h"
#include "native/runtime/playground_origin_flag.h"
#include "native/runtime/ports_file_flag.h"

ABSL_FLAG(std::string, bind, "127.0.0.1", "Address to listen on; loopback unless you name another.");
ABSL_FLAG(int, port, 9324, "Port (0 picks a free one; the log says which).");
ABSL_FLAG(std::string, data_dir, "",
          "Keep SQS queues, their messages and FIFO deduplication windows in this directory (created if "
          "missing), committed before each reply and restored at start. Empty: in memory only.");
ABSL_FLAG(std::string, log_level, "info", "trace, debug, info, warn, error, critical or off.");
ABSL_FLAG(std::string, broker, "memory",
          "Where queues and messages live: memory (in this process; durable with --data_dir), or RabbitMQ at "
          "amqp://user:password@127.0.0.1:5672 (what RabbitMQ cannot do faithfully, such as FIFO queues, is "
          "refused with UnsupportedOnThisBackend).");

namespace {

int fail(const std::string& message) {
  std::cerr << "broker: " << message << "\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  sluice::native::parse_command_line(argc, argv,
                                     "The sluice broker with an SQS-compatible endpoint (AWS JSON 1.0 protocol).\n"
                                     "  tools/bazel run //native:broker -- --port=9324\n"
                                     "  aws --endpoint-url http://127.0.0.1:9324 sqs create-queue --queue-name orders");
  const int port = absl::GetFlag(FLAGS_port);
  if (port < 0 || port > 65535) return fail("--port must be from 0 to 65535, got " + std::to_string(port));
  sluice::Result<spdlog::level::level_enum> level =
      sluice::native::JsonLog::parse_level(absl::GetFlag(FLAGS_log_level));
  if (!level.ok()) return fail("--log_level: " + level.status().message());
  sluice::native::JsonLog log("broker", *level);

  asio::io_context io;
  sluice::native::AsioScheduler scheduler(io);
  sluice::Result<std::string> playground_origin = sluice::native::playground_origin_from_flag();
  if (!playground_origin.ok()) return fail(playground_origin.status().message());
  // Queue and routing events, for GET /events (the playground's live mode).
  sluice::native::EventHub events;
  const std::string backend = absl::GetFlag(FLAGS_broker);
  std::unique_ptr<sluice::broker::InMemoryBroker> memory;
  std::unique_ptr<sluice::native::AmqpBroker> rabbitmq;
  if (backend == "memory") {
    memory = std::make_unique<sluice::broker::InMemoryBroker>(scheduler, sluice::time::Prng(std::random_device{}()),
                                                              &events);
  } else if (backend.starts_with("amqp://")) {
    if (!absl::GetFlag(FLAGS_data_dir).empty()) {
      return fail("--data_dir keeps the in-memory broker's messages; with --broker=amqp://... RabbitMQ keeps them");
    }
    auto connected = sluice::native::AmqpBroker::connect(scheduler, {.url = backend});
    if (!connected.ok()) {
      return fail("--broker=" + sluice::native::without_password(backend) + ": " + connected.status().message());
    }
    rabbitmq = *std::move(connected);
  } else {
    return fail("--broker must be memory or an amqp:// URL, got \"" + backend + "\"");
  }
  sluice::broker::MessageBroker& broker = memory ? static_cast<sluice::broker::MessageBroker&>(*memory)
                                                 : static_cast<sluice::broker::MessageBroker&>(*rabbitmq);
  // RabbitMQ pushes consumers' deliveries: read them as they come.
  std::optional<sluice::native::AmqpPump> pump;
  if (rabbitmq) pump.emplace(io, *rabbitmq);
  std::unique_ptr<sluice::native::SqliteBrokerJournal> journal;
  if (const std::string data_dir = absl::GetFlag(FLAGS_data_dir); !data_dir.empty()) {
    std::error_code error;
    std::filesystem::create_directories(data_dir, error);
    if (error) return fail("--data_dir " + data_dir + ": " + error.message());
    auto opened = sluice::native::SqliteBrokerJournal::open(data_dir + "/broker.db", scheduler);
    if (!opened.ok()) return fail("--data_dir " + data_dir + ": " + opened.status().message());
    journal = *std::move(opened);
    auto restored = journal->restore(*memory);
    if (!restored.ok()) return fail("restoring from " + data_dir + ": " + restored.status().message());
    log.log(spdlog::level::info, "restored", nullptr, std::nullopt,
            {{"data_dir", data_dir},
             {"queues", restored->queues},
             {"messages", restored->messages},
             {"deduplication_ids", restored->deduplications},
             {"exchanges", restored->exchanges},
             {"bindings", restored->bindings}});
  }
  sluice::native::Metrics metrics;
  sluice::native::HttpObservability observability("broker", metrics, log);
  sluice::native::Router router;
  if (sluice::Status s = sluice::native::add_standard_routes(router, "broker", metrics, nullptr); !s.ok()) {
    return fail(s.message());
  }
  if (sluice::Status s = sluice::native::add_events_route(router, events, *playground_origin); !s.ok()) {
    return fail(s.message());
  }
  // The base URL must carry the bound port, known only after binding: bind first.
  std::unique_ptr<sluice::native::SqsApi> sqs;
  sluice::native::Router* routes = &router;
  auto http = sluice::native::HttpServer::start(io, router,
                                                {.address = absl::GetFlag(FLAGS_bind),
                                                 .port = static_cast<std::uint16_t>(port),
                                                 .limits = sluice::native::SqsApi::kHttpLimits,
                                                 .observer = &observability});
  if (!http.ok()) return fail(http.status().message() + " (change it with --port)");
  sqs = std::make_unique<sluice::native::SqsApi>(
      broker, scheduler, "http://" + absl::GetFlag(FLAGS_bind) + ":" + std::to_string((*http)->port()));
  if (sluice::Status s = sqs->add_routes(*routes); !s.ok()) return fail(s.message());
  if (sluice::Status s = sluice::native::add_broker_routes(*routes, broker, scheduler); !s.ok()) {
    return fail(s.message());
  }

  // With a journal, replies wait for the commit that covers them.
  int exit_code = 0;
  std::optional<sluice::native::GroupCommit> commits;
  if (journal) {
    commits.emplace(io, sluice::native::GroupCommit::Options{.uncommitted = [&] { return journal->has_uncommitted(); },
                                                             .commit = [&] { return journal->commit(); },
                                                             .on_failure =
                                                                 [&](const sluice::Status& status) {
                                                                   // Nothing more may be acknowledged: stop, and let clients retry elsewhere.
                                                                   log.log(spdlog::level::critical, "journal.failed",
                                                                           nullptr, std::nullopt,
                                                                           {{"error", status.message()}});
                                                                   exit_code = 1;
                                                                   io.stop();
                                                                 }});
    router.wrap([&](sluice::native::Handler handler) { return commits->hold(std::move(handler)); });
  }

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const asio::error_code&, int signal) {
    log.log(spdlog::level::info, "stopping", nullptr, std::nullopt, {{"signal", signal}});
    // Queues keep timers (visibility, retention) for as long as they hold messages: once
    // the requests in flight are answered, the loop stops rather than waits for them.
    if (pump) pump->stop();
    (*http)->shutdown([&io] { io.stop(); });
  });
  // Whoever started us learns the port from this file, whatever the log level.
  if (sluice::Status s = sluice::native::write_ports_file_from_flag({{"port", (*http)->port()}}); !s.ok()) {
    return fail(s.message());
  }
  log.log(spdlog::level::info, "listening", nullptr, std::nullopt,
          {{"address", absl::GetFlag(FLAGS_bind)},
           {"port", (*http)->port()},
           {"protocol", "AWS JSON 1.0 (SQS)"},
           {"backend", memory ? "memory" : "rabbitmq"}});
  io.run();
  if (journal && exit_code == 0) {
    if (sluice::Status s = journal->commit(); !s.ok()) return fail("the last commit failed: " + s.message());
  }
  log.log(spdlog::level::info, "stopped", nullptr, std::nullopt);
  return exit_code;
}
