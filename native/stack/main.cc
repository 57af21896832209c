// stack: the sluice example system on loopback, in one command:
//   tools/bazel run //native:stack
// starts the broker (9324) and the inventory (3000, gRPC 50051), order (3001), payment
// (3002), notification (3003) and analytics (3004) services, waits until each is
// ready, then shows a live status table (or, when stdout is not a terminal or with
// --no_tui, their logs with each line prefixed by the service). A service that exits
// is started again (--restart) with the same ports and data. Ctrl-C stops them all.
// Each serves GET /events to pages from --playground_origin (the playground's live mode).
#include <absl/flags/flag.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include <asio.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>

#include "core/base/duration_text.h"
#include "core/resilience/restart_policy.h"
#include "native/cli/cli.h"
#include "native/runtime/adaptive_concurrency_flag.h"
#include "native/runtime/playground_origin_flag.h"
#include "native/stack/stack_runner.h"

// Every port may be 0: the service picks a free one and the stack learns which.
ABSL_FLAG(int, broker_port, 9324, "The broker's port (SQS endpoint, /v1 exchanges and topics).");
ABSL_FLAG(int, inventory_port, 3000, "The inventory service's REST port.");
ABSL_FLAG(int, inventory_grpc_port, 50051, "The inventory service's gRPC port.");
ABSL_FLAG(int, order_port, 3001, "The order service's port.");
ABSL_FLAG(int, payment_port, 3002, "The payment service's port.");
ABSL_FLAG(int, notification_port, 3003, "The notification service's port.");
ABSL_FLAG(int, analytics_port, 3004, "The analytics service's port.");
ABSL_FLAG(std::string, data_dir, "",
          "Where the services keep their data and logs; a new directory under /tmp if empty. Give the same one "
          "again to resume where the last run stopped.");
ABSL_FLAG(std::string, saga, "orchestration",
          "How the order saga runs: orchestration (by the order service) or choreography (over broker events).");
ABSL_FLAG(int, breaker_reset_ms, 15000, "How long the order service's open breakers wait before a probe.");
ABSL_FLAG(std::string, broker, "memory",
          "Where the broker keeps queues and messages: memory (in the broker process), or RabbitMQ at "
          "amqp://user:password@127.0.0.1:5672. The services reach either through the broker's SQS endpoint.");
ABSL_FLAG(bool, no_tui, false, "Print the services' log lines, prefixed, instead of the status table.");
ABSL_FLAG(std::string, log_level, "info", "The services' log level: trace, debug, info, warn, error, critical, off.");
ABSL_FLAG(std::string, restart, "on-failure",
          "Which exits of a service (once it was ready) are followed by a restart, with the same flags, ports and "
          "data: on-failure (a non-zero exit or a signal), always, or never.");
ABSL_FLAG(std::string, restart_delay, "250ms", "How long after its exit a service is first restarted (then doubled).");
ABSL_FLAG(std::string, restart_max_delay, "30s", "The longest wait before a restart, for a service in a crash loop.");
ABSL_FLAG(std::string, restart_reset_after, "10s",
          "A service up at least this long before it exits is restarted after --restart_delay again.");

namespace {

int fail(const std::string& message) {
  std::cerr << "stack: " << message << "\n";
  return 2;
}

// restart_config_from_flags: --restart and its delays into `config`; an error naming the
// flag, or empty.
std::string restart_config_from_flags(sluice::resilience::RestartConfig& config) {
  sluice::Result<sluice::resilience::RestartMode> mode =
      sluice::resilience::parse_restart_mode(absl::GetFlag(FLAGS_restart));
  if (!mode.ok()) return "--restart: " + mode.status().message();
  config.mode = *mode;
  const struct {
    const char* flag;
    std::string text;
    sluice::time::Duration* into;
  } delays[] = {
      {"--restart_delay", absl::GetFlag(FLAGS_restart_delay), &config.initial_delay},
      {"--restart_max_delay", absl::GetFlag(FLAGS_restart_max_delay), &config.max_delay},
      {"--restart_reset_after", absl::GetFlag(FLAGS_restart_reset_after), &config.reset_after},
  };
  for (const auto& delay : delays) {
    sluice::Result<sluice::time::Duration> parsed = sluice::parse_duration(delay.text);
    if (!parsed.ok()) return std::string(delay.flag) + ": " + parsed.status().message();
    *delay.into = *parsed;
  }
  if (sluice::Status s = config.validate(); !s.ok()) {
    return "--restart_delay, --restart_max_delay, --restart_reset_after: " + s.message();
  }
  return "";
}

// binaries_dir: the runfiles tree the service binaries are in.
std::string binaries_dir() {
  if (const char* runfiles = std::getenv("RUNFILES_DIR"); runfiles != nullptr) {
    const std::string dir = std::string(runfiles) + "/sluice";
    if (std::filesystem::exists(dir + "/native/services")) return dir;
  }
  char self[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n <= 0) return ".";
  return std::string(self, static_cast<std::size_t>(n)) + ".runfiles/sluice";
}

}  // namespace

int main(int argc, char** argv) {
  sluice::native::parse_command_line(argc, argv,
                                     "The sluice example system on 127.0.0.1: the broker and five services.\n"
                                     "  tools/bazel run //native:stack\n"
                                     "  tools/bazel run //native:stack -- --no_tui --order_port=4001");
  sluice::native::StackOptions options;
  const std::pair<const char*, int> flags[] = {
      {"--broker_port", absl::GetFlag(FLAGS_broker_port)},
      {"--inventory_port", absl::GetFlag(FLAGS_inventory_port)},
      {"--inventory_grpc_port", absl::GetFlag(FLAGS_inventory_grpc_port)},
      {"--order_port", absl::GetFlag(FLAGS_order_port)},
      {"--payment_port", absl::GetFlag(FLAGS_payment_port)},
      {"--notification_port", absl::GetFlag(FLAGS_notification_port)},
      {"--analytics_port", absl::GetFlag(FLAGS_analytics_port)},
  };
  for (const auto& [name, value] : flags) {
    if (value < 0 || value > 65535) {
      return fail(std::string(name) + " must be from 0 (any free port) to 65535, got " + std::to_string(value));
    }
  }
  options.ports = {static_cast<std::uint16_t>(flags[0].second), static_cast<std::uint16_t>(flags[1].second),
                   static_cast<std::uint16_t>(flags[2].second), static_cast<std::uint16_t>(flags[3].second),
                   static_cast<std::uint16_t>(flags[4].second), static_cast<std::uint16_t>(flags[5].second),
                   static_cast<std::uint16_t>(flags[6].second)};
  options.binaries = binaries_dir();
  options.data_dir = absl::GetFlag(FLAGS_data_dir);
  if (options.data_dir.empty()) {
    char pattern[] = "/tmp/sluice-stack-XXXXXX";
    if (::mkdtemp(pattern) == nullptr) return fail("cannot make a directory under /tmp");
    options.data_dir = pattern;
  }
  std::error_code error;
  std::filesystem::create_directories(options.data_dir, error);
  if (error) return fail("--data_dir " + options.data_dir + ": " + error.message());
  options.table = ::isatty(STDOUT_FILENO) && !absl::GetFlag(FLAGS_no_tui);
  options.log_level = absl::GetFlag(FLAGS_log_level);
  sluice::Result<std::string> origin = sluice::native::playground_origin_from_flag();
  if (!origin.ok()) return fail(origin.status().message());
  options.playground_origin = *origin;
  // Checked here, so a bad value is one error from the stack, not five from its services.
  if (sluice::Result<std::optional<sluice::resilience::AdaptiveLimiterConfig>> shedding =
          sluice::native::adaptive_concurrency_from_flag();
      !shedding.ok()) {
    return fail(shedding.status().message());
  }
  options.adaptive_concurrency = sluice::native::adaptive_concurrency_flag_text();
  const std::string saga = absl::GetFlag(FLAGS_saga);
  if (saga != "orchestration" && saga != "choreography") {
    return fail("--saga must be orchestration or choreography, got \"" + saga + "\"");
  }
  options.choreography = saga == "choreography";
  options.broker_backend = absl::GetFlag(FLAGS_broker);
  if (options.broker_backend != "memory" && !options.broker_backend.starts_with("amqp://")) {
    return fail("--broker must be memory or an amqp:// URL, got \"" + options.broker_backend + "\"");
  }
  options.breaker_reset_ms = absl::GetFlag(FLAGS_breaker_reset_ms);
  if (options.breaker_reset_ms < 1) return fail("--breaker_reset_ms must be positive");
  if (std::string error = restart_config_from_flags(options.restart); !error.empty()) return fail(error);

  asio::io_context io;
  sluice::native::StackRunner stack(io, options);
  if (sluice::Status s = stack.check_ports(); !s.ok()) return fail(s.message());
  std::cout << "[stack] starting the broker and five services; data in " << options.data_dir << std::endl;

  int exit_code = 0;
  asio::signal_set signals(io, SIGINT, SIGTERM);
  const auto stop = [&](int code) {
    exit_code = code;
    signals.cancel();
    stack.stop([&](bool clean) {
      if (!clean && exit_code == 0) exit_code = 1;
      std::cout << "[stack] stopped" << std::endl;
      io.stop();
    });
  };
  signals.async_wait([&](const asio::error_code& e, int) {
    if (!e) stop(0);
  });
  stack.start([&](sluice::Status ready) {
    if (!ready.ok()) {
      std::cerr << "stack: " << ready.message() << "\n";
      return stop(1);
    }
    if (!options.table) {
      std::cout << "[stack] ready: order http://" << stack.address_of("order") << "/api/orders, inventory http://"
                << stack.address_of("inventory") << ", payment http://" << stack.address_of("payment")
                << ", notification http://" << stack.address_of("notification") << ", analytics http://"
                << stack.address_of("analytics") << ", broker http://" << stack.address_of("broker") << std::endl;
    }
  });
  io.run();
  return exit_code;
}
