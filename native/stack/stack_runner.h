// stack_runner.h: StackRunner, the example system as one command: it starts the broker
// and the five services as child processes on their loopback ports, learns where each
// listens from the ports file it gives it (--ports_file, see native/runtime/ports_file.h;
// never from their logs, whose level the user picks), waits until each answers
// /readyz, and then either draws a live status table every second (a terminal) or
// passes every line of their logs through, prefixed with the service's name (anything
// else).
//
// It supervises them: a service that ends after it was first ready is started again
// with the same flags, ports and data directory, when its RestartPolicy says so
// (--restart: on-failure, always or never) and after its backoff; each exit and
// restart is reported ("[stack] ..." lines, or logs/stack.log under the table) and the
// table shows restarts and the last exit per service. A service that ends before it
// was first ready fails the start instead (a port in use, a bad flag: restarting would
// not help). Stopping (SIGINT, SIGTERM) drops every pending restart first, then stops
// the services in reverse order, each with SIGTERM, then SIGKILL for any still running
// after 10 s.
#ifndef SLUICE_NATIVE_STACK_STACK_RUNNER_H_
#define SLUICE_NATIVE_STACK_STACK_RUNNER_H_

#include <asio.hpp>
#include <cstdint>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/resilience/restart_policy.h"
#include "native/runtime/asio_scheduler.h"
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
  resilience::RestartConfig restart;                               // REQUIRES: restart.validate().ok()
  std::string adaptive_concurrency = "on";  // passed to each service (not the broker) as --adaptive_concurrency
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
  // stop: drops pending restarts and stops everything; `done` gets true if every
  // service still running exited with 0 and none was left down by a failure (a failed
  // start, or a crash under --restart=never). Crashes that were restarted do not count.
  void stop(std::function<void(bool)> done);

 private:
  struct Service;
  void launch(Service& service);
  void on_exit(Service& service, int wait_status);
  void restart(Service& service);
  // note: one line of the stack's own, on stdout ("[stack] ...") or in logs/stack.log.
  void note(const std::string& text);
  // start_stage: launches these services together; `done` once all are ready.
  void start_stage(std::vector<std::size_t> indexes, std::function<void(Status)> done);
  // wait_ready: until this run of the service (its `generation`) has written its ports
  // file and answers /readyz; nothing if a later run replaced it.
  void wait_ready(Service& service, std::uint64_t generation, std::function<void(Status)> done, int attempts_left);
  // learn_ports: the ports this run of the service wrote; false until it has.
  bool learn_ports(Service& service);
  void on_line(Service& service, std::string_view line);
  void refresh();
  void scrape(Service& service);
  void scrape_queues();
  void draw();
  void stop_next(std::size_t index, std::function<void(bool)> done);

  asio::io_context& io_;
  StackOptions options_;
  AsioScheduler scheduler_;                         // the restart policies' clock, and their timers
  std::ofstream stack_log_;                         // under the table: the stack's own lines
  std::vector<std::unique_ptr<Service>> services_;  // start order; stopped in reverse
  std::vector<QueueRow> queues_;
  asio::steady_timer refresh_timer_;
  asio::steady_timer stop_timer_;
  bool stopping_ = false;
  bool all_clean_ = true;
};

}  // namespace sluice::native

#endif  // SLUICE_NATIVE_STACK_STACK_RUNNER_H_
