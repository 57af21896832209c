// order: the article's order service. POST /api/orders takes an order (after asking
// inventory over gRPC, through a breaker with the article's fallback) and runs its
// CreateOrderSaga on the core saga runner with a SQLite log: reserve stock (inventory
// REST), charge payment (payment REST), confirm; compensated in reverse on failure.
// Order events go to the broker's "orders" topic exchange through a transactional
// outbox. REST on --bind:--port (3001); --data_dir keeps orders and the saga log
// (order.db, order-sagas.db) so a restart resumes unfinished sagas.
#include <absl/flags/flag.h>
#include <grpcpp/grpcpp.h>

#include <array>
#include <asio.hpp>
#include <iostream>
#include <random>
#include <string>

#include "core/observe/event.h"
#include "core/resilience/circuit_breaker.h"
#include "core/resilience/pipeline.h"
#include "core/resilience/time_limiter.h"
#include "core/saga/saga_runner.h"
#include "native/cli/cli.h"
#include "native/saga/sqlite_saga_log.h"
#include "native/services/common/broker_link.h"
#include "native/services/common/service_host.h"
#include "native/services/common/sqs_consumer.h"
#include "native/services/order/create_order_saga.h"
#include "native/services/order/order_api.h"
#include "native/services/order/order_reactions.h"
#include "native/services/order/order_store.h"
#include "native/services/order/outbox_relay.h"
#include "native/services/order/stock_check.h"

ABSL_FLAG(std::string, bind, "127.0.0.1", "Address to listen on; loopback unless you name another.");
ABSL_FLAG(int, port, 3001, "REST port (0 picks a free one; the log says which).");
ABSL_FLAG(std::string, inventory, "127.0.0.1:3000", "The inventory service's REST address (host:port).");
ABSL_FLAG(std::string, inventory_grpc, "127.0.0.1:50051", "The inventory service's gRPC address (host:port).");
ABSL_FLAG(std::string, payment, "127.0.0.1:3002", "The payment service's REST address (host:port).");
ABSL_FLAG(std::string, broker, "127.0.0.1:9324",
          "The broker, where events go: host:port of a sluice broker, or amqp://user:password@host:5672 for "
          "RabbitMQ directly.");
ABSL_FLAG(std::string, exchange, "orders", "The topic exchange order events are published to.");
ABSL_FLAG(std::string, saga, "orchestration",
          "orchestration: the CreateOrderSaga runs here; choreography: payment and inventory (run with "
          "--choreography) react to events, and this service to theirs.");
ABSL_FLAG(int, breaker_reset_ms, 15000, "How long an open breaker waits before it lets a probe through.");
ABSL_FLAG(std::string, data_dir, "", "Directory for order.db and order-sagas.db; empty keeps them in memory.");
ABSL_FLAG(std::string, log_level, "info", "trace, debug, info, warn, error, critical or off.");
ABSL_FLAG(bool, enable_admin, false,
          "Serve the admin routes, to loopback peers only: /admin/faults (inject latency and errors) and "
          "/admin/trace-context-test (the W3C Trace Context test suite's service endpoint).");

namespace {

using namespace std::chrono_literals;
using sluice::native::HostPort;

int fail(const std::string& message) {
  std::cerr << "order: " << message << "\n";
  return 2;
}

// Fanout: the runner's events to the driver (which cancels compensated orders) and to
// GET /events.
class Fanout final : public sluice::observe::EventSink {
 public:
  Fanout(sluice::observe::EventSink& first, sluice::observe::EventSink& second) : first_(first), second_(second) {}
  void on_event(const sluice::observe::Event& event) override {
    first_.on_event(event);
    second_.on_event(event);
  }

 private:
  sluice::observe::EventSink& first_;
  sluice::observe::EventSink& second_;
};

}  // namespace

int main(int argc, char** argv) {
  sluice::native::parse_command_line(argc, argv,
                                     "The order service: POST /api/orders runs the CreateOrderSaga.\n"
                                     "  tools/bazel run //native/services:order -- --port=3001");
  std::optional<HostPort> addresses[3];
  const char* names[3] = {"--inventory", "--inventory_grpc", "--payment"};
  const std::string values[3] = {absl::GetFlag(FLAGS_inventory), absl::GetFlag(FLAGS_inventory_grpc),
                                 absl::GetFlag(FLAGS_payment)};
  for (int i = 0; i < 3; ++i) {
    addresses[i] = sluice::native::parse_host_port(values[i]);
    if (!addresses[i]) return fail(std::string(names[i]) + " must be host:port, got \"" + values[i] + "\"");
  }
  const std::string saga_mode = absl::GetFlag(FLAGS_saga);
  if (saga_mode != "orchestration" && saga_mode != "choreography") {
    return fail("--saga must be orchestration or choreography, got \"" + saga_mode + "\"");
  }
  const bool choreography = saga_mode == "choreography";
  const std::string data_dir = absl::GetFlag(FLAGS_data_dir);
  auto store = sluice::native::OrderStore::open(data_dir.empty() ? ":memory:" : data_dir + "/order.db");
  if (!store.ok()) return fail(store.status().message());
  auto saga_log = sluice::native::SqliteSagaLog::open(data_dir.empty() ? ":memory:" : data_dir + "/order-sagas.db");
  if (!saga_log.ok()) return fail(saga_log.status().message());
  sluice::native::OrderStore& orders = **store;

  auto created = sluice::native::ServiceHost::create({.name = "order",
                                                      .address = absl::GetFlag(FLAGS_bind),
                                                      .port = absl::GetFlag(FLAGS_port),
                                                      .log_level = absl::GetFlag(FLAGS_log_level),
                                                      .enable_admin = absl::GetFlag(FLAGS_enable_admin)},
                                                     [&] { return orders.ping(); });
  if (!created.ok()) return fail(created.status().message());
  sluice::native::ServiceHost& host = **created;
  auto broker = sluice::native::BrokerLink::open(host.io(), host.scheduler(), absl::GetFlag(FLAGS_broker));
  if (!broker.ok()) return fail(broker.status().message());
  sluice::native::JsonLog& log = host.log();

  // Clients, each behind its own breaker (the saga runner does the retrying).
  sluice::native::HttpClient inventory_client(host.io(), {.host = addresses[0]->host,
                                                          .port = addresses[0]->port,
                                                          .target_service = "inventory",
                                                          .metrics = &host.metrics()});
  sluice::native::HttpClient payment_client(host.io(), {.host = addresses[2]->host,
                                                        .port = addresses[2]->port,
                                                        .target_service = "payment",
                                                        .metrics = &host.metrics()});
  sluice::native::HttpClient broker_client(
      host.io(), {.host = (*broker)->address().host, .port = (*broker)->address().port, .target_service = "broker"});
  const int reset_ms = absl::GetFlag(FLAGS_breaker_reset_ms);
  if (reset_ms < 1) return fail("--breaker_reset_ms must be positive, got " + std::to_string(reset_ms));
  const std::chrono::milliseconds reset(reset_ms);
  const auto breaker_config = sluice::resilience::CircuitBreakerConfig::like_article(5, reset);
  // Each breaker's changes go to GET /events; a client that connects gets their states first.
  sluice::resilience::CircuitBreaker inventory_breaker("inventory", breaker_config, host.scheduler(), &host.events());
  sluice::resilience::CircuitBreaker payment_breaker("payment", breaker_config, host.scheduler(), &host.events());
  sluice::resilience::CircuitBreaker inventory_grpc_breaker(
      "inventory-grpc", sluice::resilience::CircuitBreakerConfig::like_article(3, reset), host.scheduler(),
      &host.events());
  const std::array<const sluice::resilience::CircuitBreaker*, 3> breakers = {&inventory_breaker, &payment_breaker,
                                                                             &inventory_grpc_breaker};
  for (const auto* breaker : breakers) host.metrics().watch(*breaker);
  host.events().set_snapshot([&host, breakers](sluice::observe::EventSink& to) {
    for (const auto* breaker : breakers) {
      const std::array<sluice::observe::Attribute, 1> state = {
          {{"state", sluice::resilience::to_string(breaker->state())}}};
      to.on_event(
          {.what = "breaker.state", .where = breaker->name(), .when = host.scheduler().now(), .attributes = state});
    }
  });
  // A breaker outside a timeout: a participant that got slow counts as failing, and
  // answers within the saga step's own 2 s timeout.
  sluice::resilience::TimeLimiter inventory_timeout(host.scheduler(), 1500ms);
  sluice::resilience::TimeLimiter payment_timeout(host.scheduler(), 1500ms);
  const sluice::resilience::Pipeline inventory_calls = sluice::resilience::Pipeline::Builder(host.scheduler())
                                                           .breaker(inventory_breaker)
                                                           .timeout(inventory_timeout)
                                                           .build();
  const sluice::resilience::Pipeline payment_calls =
      sluice::resilience::Pipeline::Builder(host.scheduler()).breaker(payment_breaker).timeout(payment_timeout).build();

  sluice::native::EventPublisher publisher(broker_client, absl::GetFlag(FLAGS_exchange));
  sluice::native::OutboxRelay relay(host.io(), orders, publisher, log);
  sluice::native::OrderSagaDriver driver(
      orders, {&inventory_client, &inventory_calls}, {&payment_client, &payment_calls}, log, [&relay] { relay.poke(); },
      (static_cast<std::uint64_t>(std::random_device()()) << 32) ^ std::random_device()());
  Fanout saga_events(driver, host.events());
  // Group commit: every saga that moved in one turn of the loop shares one sync of the
  // log (one fsync), made at the end of the turn, before any of their commands leave.
  sluice::saga::SagaRunner* flushing = nullptr;
  bool flush_posted = false;
  const auto flush_needed = [&] {
    if (flush_posted) return;
    flush_posted = true;
    asio::post(host.io(), [&] {
      flush_posted = false;
      if (sluice::Status s = flushing->flush(); !s.ok()) {
        log.log(spdlog::level::critical, "saga.log_failed", nullptr, std::nullopt, {{"error", s.message()}});
      }
    });
  };
  sluice::saga::SagaRunner runner(host.scheduler(), **saga_log, sluice::time::Prng(std::random_device{}()),
                                  [&driver](const sluice::saga::SagaCommand& command) { driver.handle(command); },
                                  &saga_events, {.auto_flush = false, .flush_needed = flush_needed});
  flushing = &runner;
  driver.attach(runner);
  if (sluice::Status s = runner.register_definition(sluice::native::create_order_saga(reset)); !s.ok()) {
    return fail(s.message());
  }

  // gRPC backs off reconnecting up to 2 minutes by default; inventory is on loopback,
  // so try again soon, or the breaker's probes would keep failing long after it is back.
  grpc::ChannelArguments channel_arguments;
  channel_arguments.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 200);
  channel_arguments.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 200);
  channel_arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  auto channel = grpc::CreateCustomChannel(addresses[1]->host + ":" + std::to_string(addresses[1]->port),
                                           grpc::InsecureChannelCredentials(), channel_arguments);
  auto stub = inventory::InventoryService::NewStub(channel);
  sluice::native::TraceIds trace_ids((static_cast<std::uint64_t>(std::random_device()()) << 32) ^
                                     std::random_device()());
  sluice::native::StockCheck stock(host.io(), *stub, inventory_grpc_breaker, trace_ids);
  sluice::time::Prng order_ids((static_cast<std::uint64_t>(std::random_device()()) << 32) ^ std::random_device()());
  if (sluice::Status s = sluice::native::add_order_routes(
          host.router(),
          {.store = &orders,
           .runner = choreography ? nullptr : &runner,
           .stock = &stock,
           .ids = &order_ids,
           .on_order_changed = [&relay] { relay.poke(); },
           // Posted after the flush start() asked for:
           // the loop runs them in order.
           .after_commit = [&host](std::function<void()> then) { asio::post(host.io(), std::move(then)); }});
      !s.ok()) {
    return fail(s.message());
  }
  // Choreography: the outcomes of payment and inventory come back as events.
  sluice::native::OrderReactions reactions(orders, log, [&relay] { relay.poke(); });
  if (choreography) {
    host.consume(broker_client,
                 {.queue = "order-reactions",
                  .exchange = absl::GetFlag(FLAGS_exchange),
                  .bindings = sluice::native::OrderReactions::bindings()},
                 [&reactions](const sluice::native::ConsumedEvent& e, std::function<void(bool)> done) {
                   reactions.handle(e, std::move(done));
                 });
  }
  if (sluice::Status s = host.listen(); !s.ok()) return fail(s.message());

  // Resume what a previous run left: unfinished sagas and unpublished events.
  sluice::Result<std::size_t> resumed = runner.recover();
  if (!resumed.ok()) return fail("recovering sagas: " + resumed.status().message());
  // An order stored just before a crash may have no saga in the log yet (its 201 was
  // never sent): start it now, so no order stays PENDING for ever. One whose saga was
  // compensated just before the crash is cancelled now.
  std::size_t started_after_restart = 0;
  if (!choreography) {
    sluice::Result<std::vector<sluice::native::Order>> pending = orders.pending();
    if (!pending.ok()) return fail("reading pending orders: " + pending.status().message());
    for (const sluice::native::Order& order : *pending) {
      if (const sluice::saga::SagaInstance* saga = runner.find(order.order_id); saga != nullptr) {
        // Compensated just before the crash, the order not yet told: tell it now.
        if (saga->state() == sluice::saga::SagaState::kCompensated) {
          if (sluice::Result<bool> cancelled = orders.cancel(order.order_id, saga->reason()); !cancelled.ok()) {
            return fail("cancelling " + order.order_id + ": " + cancelled.status().message());
          }
        }
        continue;
      }
      if (sluice::Status s = runner.start(sluice::native::kCreateOrderSaga, order.order_id,
                                          sluice::native::create_order_saga_data(order));
          !s.ok()) {
        return fail("starting the saga of " + order.order_id + ": " + s.message());
      }
      ++started_after_restart;
    }
  }
  relay.poke();

  // Finished sagas stay in memory and in the log so GET /api/orders/:id can show their
  // timeline, up to a bound: past it, they are forgotten together (the orders keep
  // their status).
  constexpr std::size_t kFinishedSagasKept = 10'000;
  asio::steady_timer retention(host.io());
  std::function<void()> forget_some = [&] {
    if (runner.size() - runner.unfinished() > kFinishedSagasKept) {
      sluice::Result<std::size_t> forgotten = runner.forget_finished();
      log.log(
          forgotten.ok() ? spdlog::level::info : spdlog::level::err, "saga.forgotten", nullptr, std::nullopt,
          {{"sagas", forgotten.ok() ? *forgotten : 0}, {"error", forgotten.ok() ? "" : forgotten.status().message()}});
    }
    retention.expires_after(std::chrono::seconds(10));
    retention.async_wait([&](const asio::error_code& error) {
      if (!error) forget_some();
    });
  };
  forget_some();
  return host.run({{"saga", saga_mode},
                   {"resumed_sagas", *resumed},
                   {"sagas_started_after_restart", started_after_restart},
                   {"data", data_dir.empty() ? "memory" : data_dir},
                   {"inventory", values[0]},
                   {"inventory_grpc", values[1]},
                   {"payment", values[2]},
                   {"broker", (*broker)->describe()}});
}
