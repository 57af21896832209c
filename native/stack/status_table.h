// status_table.h: the stack's live view, drawn as a table: one row per service (port,
// state, requests/s, errors/s, p99, breakers, restarts, last exit) and one per queue
// (visible, in flight).
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
