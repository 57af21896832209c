// service_host.h: ServiceHost, what every sluice service binary runs on: an asio loop
// with core's scheduler, JSON logs, Prometheus metrics, a router with /metrics,
// /healthz, /readyz and /events, /admin/faults and /admin/trace-context-test (the W3C
// Trace Context suite's endpoint) when enabled (loopback peers only), the HTTP server
// with load shedding (--adaptive_concurrency: an AdaptiveLimiter named after the
// service, its numbers in /metrics and its events on /events), a ports file
// (--ports_file) once listening, and a clean stop on SIGINT or SIGTERM.
//
//   auto host = ServiceHost::create({.name = "payment", .address = "127.0.0.1", .port = 3002,
//                                     .log_level = "info"}, [&] { return store.ping(); });
//   add_payment_routes((*host)->router(), store);
//   if (Status s = (*host)->listen(); !s.ok()) ...  // "... (change it with --port)"
//   return (*host)->run({{"data", "memory"}});
#ifndef SLUICE_NATIVE_SERVICES_COMMON_SERVICE_HOST_H_
#define SLUICE_NATIVE_SERVICES_COMMON_SERVICE_HOST_H_

#include <asio.hpp>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "core/resilience/adaptive_limiter.h"
#include "native/runtime/asio_scheduler.h"
#include "native/runtime/event_stream.h"
#include "native/runtime/fault_injection.h"
#include "native/runtime/http_observability.h"
#include "native/runtime/http_server.h"
#include "native/runtime/json_log.h"
#include "native/runtime/metrics.h"
#include "native/services/common/consumer_metrics.h"
#include "native/services/common/sqs_consumer.h"

namespace sluice::native {

struct ServiceHostOptions {
  std::string name;  // the service, in logs and metrics
  std::string address = "127.0.0.1";
  int port = 0;  // 0 picks a free one
  std::string log_level = "info";
  bool enable_admin = false;
  // The one origin whose pages may read /events; unset: the --playground_origin flag.
  std::optional<std::string> playground_origin;
  // Load shedding: "on", "off" or a JSON config; unset: the --adaptive_concurrency flag.
  std::optional<std::string> adaptive_concurrency;
};

class ServiceHost {
 public:
  // create: errors name the flag (--port, --log_level, --playground_origin) that is wrong.
  static Result<std::unique_ptr<ServiceHost>> create(ServiceHostOptions options, ReadinessCheck ready);

  asio::io_context& io() { return io_; }
  AsioScheduler& scheduler() { return scheduler_; }
  Router& router() { return router_; }
  JsonLog& log() { return log_; }
  Metrics& metrics() { return metrics_; }
  EventHub& events() { return events_; }
  // limiter: the HTTP server's load shedding; null with --adaptive_concurrency=off.
  const resilience::AdaptiveLimiter* limiter() const { return limiter_.get(); }

  // make_limiter: another limiter with the same config (another server of the service,
  // e.g. its gRPC one, used from gRPC's threads: no event sink), watched by the
  // metrics; null when load shedding is off. Outlives nothing of the host's.
  std::unique_ptr<resilience::AdaptiveLimiter> make_limiter(std::string name);

  // add_readiness: /readyz answers 200 only while this check passes too.
  void add_readiness(ReadinessCheck check) { readiness_.push_back(std::move(check)); }

  // consume: reads events from the broker with an SqsConsumer the host keeps; /readyz
  // waits until its queue is set up.
  SqsConsumer& consume(HttpClient& broker, SqsConsumerOptions options, SqsConsumer::Handler handler);

  // listen: starts serving the routes added so far.
  Status listen();
  std::uint16_t port() const { return http_ ? http_->port() : 0; }
  // add_listening_port: another port the service bound itself (inventory's gRPC), named
  // as in its flags ("grpc_port"); run() reports it beside "port".
  void add_listening_port(std::string name, std::uint16_t port) { other_ports_[std::move(name)] = port; }

  // run: writes the ports file (--ports_file) and logs "listening" (address, ports and
  // `fields`), serves until SIGINT or SIGTERM, then calls `on_stop`, stops accepting,
  // finishes the requests in flight and returns the exit code (0; 2 if the ports file
  // cannot be written).
  int run(const nlohmann::json& fields = nlohmann::json::object(), std::function<void()> on_stop = {});

 private:
  ServiceHost(ServiceHostOptions options, spdlog::level::level_enum level);
  // run_loop: runs the event loop until it stops; an exception that escapes a handler
  // is logged and counted, and the loop goes on.
  void run_loop();

  ServiceHostOptions options_;
  // Before the loop: permits held by work still queued in io_ go back to the limiter
  // (and its events to the hub) when io_ is destroyed, after the rest.
  EventHub events_;
  std::optional<resilience::AdaptiveLimiterConfig> limiter_config_;
  std::unique_ptr<resilience::AdaptiveLimiter> limiter_;
  asio::io_context io_;
  AsioScheduler scheduler_;
  JsonLog log_;
  Metrics metrics_;
  ConsumerMetrics consumer_metrics_;
  prometheus::Counter& loop_exceptions_;  // sluice_handler_exceptions_total{service}
  HttpObservability observability_;
  Router router_;
  FaultInjector faults_;
  std::vector<ReadinessCheck> readiness_;
  std::vector<std::unique_ptr<SqsConsumer>> consumers_;
  std::unique_ptr<HttpServer> http_;
  std::map<std::string, std::uint16_t> other_ports_;
};

}  // namespace sluice::native

#endif  // SLUICE_NATIVE_SERVICES_COMMON_SERVICE_HOST_H_
