#include "native/services/common/service_host.h"

#include <exception>
#include <iostream>
#include <random>

#include "native/runtime/adaptive_concurrency_flag.h"
#include "native/runtime/playground_origin_flag.h"
#include "native/runtime/ports_file_flag.h"
#include "native/runtime/trace_context_test_route.h"

namespace sluice::native {

Result<std::unique_ptr<ServiceHost>> ServiceHost::create(ServiceHostOptions options, ReadinessCheck ready) {
  if (options.port < 0 || options.port > 65535) {
    return Status::invalid_argument("--port must be from 0 to 65535, got " + std::to_string(options.port));
  }
  Result<spdlog::level::level_enum> level = JsonLog::parse_level(options.log_level);
  if (!level.ok()) return Status::invalid_argument("--log_level: " + level.status().message());
  Result<std::string> origin = playground_origin_from_flag();
  if (options.playground_origin) {
    Status s = check_origin(*options.playground_origin);
    origin = s.ok() ? Result<std::string>(*options.playground_origin)
                    : Result<std::string>(Status::invalid_argument("playground origin: " + s.message()));
  }
  if (!origin.ok()) return origin.status();
  Result<std::optional<resilience::AdaptiveLimiterConfig>> shedding =
      options.adaptive_concurrency ? parse_adaptive_concurrency(*options.adaptive_concurrency)
                                   : adaptive_concurrency_from_flag();
  if (!shedding.ok()) return shedding.status();
  std::unique_ptr<ServiceHost> host(new ServiceHost(std::move(options), *level));
  host->limiter_config_ = *shedding;
  host->limiter_ = host->make_limiter(host->options_.name);
  host->add_readiness(std::move(ready));
  ServiceHost* self = host.get();
  if (Status s = add_standard_routes(host->router_, host->options_.name, host->metrics_,
                                     [self] {
                                       for (const ReadinessCheck& check : self->readiness_) {
                                         SLUICE_RETURN_IF_ERROR(check());
                                       }
                                       return Status();
                                     });
      !s.ok()) {
    return s;
  }
  SLUICE_RETURN_IF_ERROR(add_events_route(host->router_, host->events_, *origin));
  if (host->options_.enable_admin) {
    SLUICE_RETURN_IF_ERROR(add_admin_routes(host->router_, host->faults_));
    const std::uint64_t seed = (static_cast<std::uint64_t>(std::random_device()()) << 32) ^ std::random_device()();
    SLUICE_RETURN_IF_ERROR(add_trace_context_test_route(host->router_, host->io_, seed));
  }
  return host;
}

ServiceHost::ServiceHost(ServiceHostOptions options, spdlog::level::level_enum level)
    : options_(std::move(options)),
      scheduler_(io_),
      log_(options_.name, level),
      consumer_metrics_(metrics_.registry(), options_.name),
      loop_exceptions_(prometheus::BuildCounter()
                           .Name("sluice_handler_exceptions_total")
                           .Help("Exceptions that escaped a handler to the event loop (logged; the loop went on)")
                           .Register(metrics_.registry())
                           .Add({{"service", options_.name}})),
      observability_(options_.name, metrics_, log_),
      faults_(std::random_device{}()) {}

std::unique_ptr<resilience::AdaptiveLimiter> ServiceHost::make_limiter(std::string name) {
  if (!limiter_config_) return nullptr;
  // The service's own limiter reports to /events (on the loop); others may be used on
  // other threads, where the hub may not be called.
  observe::EventSink* sink = limiter_ ? nullptr : &events_;
  auto limiter = std::make_unique<resilience::AdaptiveLimiter>(std::move(name), *limiter_config_,
                                                               steady_time_source(), std::random_device{}(), sink);
  metrics_.watch(*limiter);
  return limiter;
}

SqsConsumer& ServiceHost::consume(HttpClient& broker, SqsConsumerOptions options, SqsConsumer::Handler handler) {
  consumers_.push_back(
      std::make_unique<SqsConsumer>(io_, broker, std::move(options), log_, consumer_metrics_, std::move(handler)));
  SqsConsumer& consumer = *consumers_.back();
  add_readiness([&consumer] {
    return consumer.ready() ? Status() : Status(StatusCode::kUnavailable, "the broker queue is not set up yet");
  });
  consumer.start();
  return consumer;
}

Status ServiceHost::listen() {
  auto http = HttpServer::start(io_, router_,
                                {.address = options_.address,
                                 .port = static_cast<std::uint16_t>(options_.port),
                                 .observer = &observability_,
                                 .faults = options_.enable_admin ? &faults_ : nullptr,
                                 .limiter = limiter_.get()});
  if (!http.ok()) return Status(http.status().code(), http.status().message() + " (change it with --port)");
  http_ = *std::move(http);
  return Status();
}

int ServiceHost::run(const nlohmann::json& fields, std::function<void()> on_stop) {
  std::map<std::string, std::uint16_t> ports = other_ports_;
  ports["port"] = port();
  // The supervisor's way to our ports, whatever the log level: before "listening".
  if (Status s = write_ports_file_from_flag(ports); !s.ok()) {
    std::cerr << options_.name << ": " << s.message() << "\n";
    return 2;
  }
  asio::signal_set signals(io_, SIGINT, SIGTERM);
  signals.async_wait([&](const asio::error_code&, int signal) {
    log_.log(spdlog::level::info, "stopping", nullptr, std::nullopt, {{"signal", signal}});
    if (on_stop) on_stop();
    http_->shutdown([this] {
      log_.log(spdlog::level::info, "http.drained", nullptr, std::nullopt);
      io_.stop();  // timers of core components would otherwise keep the loop alive
    });
  });
  nlohmann::json listening = fields;
  listening["address"] = options_.address;
  for (const auto& [name, number] : ports) listening[name] = number;
  log_.log(spdlog::level::info, "listening", nullptr, std::nullopt, listening);
  run_loop();
  log_.log(spdlog::level::info, "stopped", nullptr, std::nullopt);
  return 0;
}

void ServiceHost::run_loop() {
  for (;;) {
    try {
      io_.run();
      return;
    } catch (const std::exception& error) {
      // The last line: whatever a handler threw fails only what it was doing (its
      // request's client sees the connection close, its message is redelivered); the
      // loop goes on with everything else.
      log_.log(spdlog::level::err, "handler.threw", nullptr, std::nullopt, {{"error", error.what()}});
      loop_exceptions_.Increment();
    }
  }
}

}  // namespace sluice::native
