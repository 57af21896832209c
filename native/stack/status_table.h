// status_table.h: the stack's live view, drawn as a table: one row per service (port,
// state, requests/s, errors/s, p99, load shedding: in flight/limit and shed/s,
// breakers, restarts, last exit) and one per queue (visible, in flight).
#ifndef SLUICE_NATIVE_STACK_STATUS_TABLE_H_
#define SLUICE_NATIVE_STACK_STATUS_TABLE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sluice::native {

struct ServiceRow {
  std::string service;
  std::string port;
  std::string state;  // starting, ready, exited with N; restart in 1s, restarting
  double requests_per_second = 0;
  double errors_per_second = 0;
  std::optional<double> p99_seconds;
  std::string breakers;  // "inventory-grpc OPEN, payment CLOSED"
  std::uint32_t restarts = 0;
  std::string last_exit;  // "killed by SIGKILL", "exited with 2"; empty or "-" before any
  std::string limit;     // the service's load-shedding limiter: "in flight/limit", e.g. "12/40"
  std::optional<double> shed_per_second;  // requests its limiters refused (none: no limiter)
};

struct QueueRow {
  std::string queue;
  std::uint64_t visible = 0;
  std::uint64_t in_flight = 0;
};

// render_status: the table as text (box-drawing characters), then `footer` lines.
std::string render_status(const std::vector<ServiceRow>& services, const std::vector<QueueRow>& queues,
                          const std::vector<std::string>& footer);

}  // namespace sluice::native

#endif  // SLUICE_NATIVE_STACK_STATUS_TABLE_H_
