// stack_runner.h: StackRunner, the example system as one command: it starts the broker
// and the five services as child processes on their loopback ports, waits until each
// answers /readyz, and then either draws a live status table every second (a
// terminal) or passes every line of their logs through, prefixed with the service's
// name (anything else). Stopping (SIGINT, SIGTERM) stops the services in reverse
// order, each with SIGTERM, then SIGKILL for any still running after 10 s.
#ifndef SLUICE_NATIVE_STACK_STACK_RUNNER_H_
#define SLUICE_NATIVE_STACK_STACK_RUNNER_H_

#include <asio.hpp>
#include <cstdint>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "native/runtime/event_stream.h"
#include "native/runtime/http_client.h"
#include "native/stack/child_process.h"
#include "native/stack/prometheus_text.h"
#include "native/stack/status_table.h"

namespace sluice::native {

struct StackPorts {
  std::uint16_t broker = 9324;
  std::uint16_t inventory = 3000;
  std::uint16_t inventory_grpc = 50051;
  std::uint16_t order = 3001;
  std::uint16_t payment = 3002;
  std::uint16_t notification = 3003;
  std::uint16_t analytics = 3004;
};

struct StackOptions {
  std::string binaries;  // the directory the service binaries are found under (runfiles)
  std::string data_dir;  // each service's data, and logs/ when drawing the table
  StackPorts ports;
  bool table = true;                      // draw the status table; false: prefixed log lines
  bool choreography = false;              // the order saga choreographed over events instead of orchestrated
  std::string broker_backend = "memory";  // the broker's --broker: memory or an amqp:// URL
  int breaker_reset_ms = 15000;           // the order service's breakers
  std::string log_level = "info";
  std::string playground_origin = std::string(kPlaygroundOrigin);  // passed to each as --playground_origin
};

class StackRunner {
 public:
  StackRunner(asio::io_context& io, StackOptions options);
  ~StackRunner();

  // check_ports: an error naming the first port in use and the flag that changes it.
  Status check_ports() const;
  // start: starts everything; `ready` runs once all services answer /readyz (or with
  // the reason they did not).
  void start(std::function<void(Status)> ready);
  // address: where a service ended up listening ("127.0.0.1:3001"), once ready.
  std::string address_of(std::string_view service) const;
  // stop: stops everything; `done` gets true if every service exited with 0.
  void stop(std::function<void(bool)> done);

 private:
  struct Service;
  void launch(Service& service);
  // start_stage: launches these services together; `done` once all are ready.
  void start_stage(std::vector<std::size_t> indexes, std::function<void(Status)> done);
  void wait_ready(Service& service, std::function<void(Status)> done, int attempts_left);
  void on_line(Service& service, std::string_view line);
  void refresh();
  void scrape(Service& service);
  void scrape_queues();
  void draw();
  void stop_next(std::size_t index, std::function<void(bool)> done);

  asio::io_context& io_;
  StackOptions options_;
  std::vector<std::unique_ptr<Service>> services_;  // start order; stopped in reverse
  std::vector<QueueRow> queues_;
  asio::steady_timer refresh_timer_;
  asio::steady_timer stop_timer_;
  bool stopping_ = false;
  bool all_clean_ = true;
};

}  // namespace sluice::native

#endif  // SLUICE_NATIVE_STACK_STACK_RUNNER_H_
