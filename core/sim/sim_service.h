// sim_service.h: SimService, how a simulated service spends time on work: a service
// time per request, a number of requests it works on at once, a queue for the rest,
// and the faults a scenario injects (crash, error rate, added latency, slow-down).
//
//   service.handle("reserveStock", subject, [&](bool injected_error) {
//     if (injected_error) return reply_error();
//     reply(inventory.reserve(...));
//   });
//
// A request takes a service time drawn uniformly from [service_time_min,
// service_time_max], multiplied by the slow-down factor, plus the added latency. At most
// `concurrency` requests are worked on at once; more wait in a queue of up to
// `max_queue` (beyond it a request fails at once, as an overloaded server sheds load).
// With the error rate's probability the work is told to fail instead.
//
// crash() drops the queue and every request in progress (their work never runs) and
// marks the node down in the network; restart() brings it back empty. Work that
// outlives a crash is recognised by the epoch it started in.
#ifndef SLUICE_CORE_SIM_SIM_SERVICE_H_
#define SLUICE_CORE_SIM_SIM_SERVICE_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <string_view>

#include "core/observe/event.h"
#include "core/sim/network.h"
#include "core/sim/node.h"
#include "core/time/prng.h"
#include "core/time/virtual_time.h"

namespace sluice::sim {

struct ServiceConfig {
  time::Duration service_time_min = std::chrono::milliseconds(1);
  time::Duration service_time_max = std::chrono::milliseconds(3);
  std::uint32_t concurrency = 16;
  std::uint32_t max_queue = 2'000;
  double error_rate = 0;
};

struct ServiceStats {
  std::uint64_t handled = 0;
  std::uint64_t failed = 0;  // the error rate, or shed because the queue was full
  std::uint64_t shed = 0;
  std::uint64_t in_progress = 0;
  std::uint64_t queued = 0;
  std::uint64_t crashes = 0;
};

class SimService {
 public:
  // Work: runs when the request is done; `failed` when an error is injected or the
  // request was shed.
  using Work = std::function<void(bool failed)>;

  SimService(Node node, ServiceConfig config, time::VirtualTime& time, time::Prng prng, Network& network,
             observe::EventSink& events);

  Node node() const { return node_; }
  bool up() const { return network_.up(node_); }
  std::uint64_t epoch() const { return epoch_; }

  // handle: works on one request; `work` runs at its end unless the service crashes first.
  void handle(Work work);

  // Faults.
  void crash();
  void restart();
  void set_error_rate(double rate) { config_.error_rate = rate; }
  void set_added_latency(time::Duration latency) { added_latency_ = latency; }
  void set_slowdown(double factor) { slowdown_ = factor; }

  const ServiceConfig& config() const { return config_; }
  time::Duration added_latency() const { return added_latency_; }
  double slowdown() const { return slowdown_; }
  double error_rate() const { return config_.error_rate; }
  const ServiceStats& stats() const { return stats_; }

 private:
  void start(Work work);
  void finish(std::uint64_t epoch, bool failed, const Work& work);

  Node node_;
  ServiceConfig config_;
  time::VirtualTime& time_;
  time::Prng prng_;
  Network& network_;
  observe::EventSink& events_;
  time::Duration added_latency_{0};
  double slowdown_ = 1.0;
  std::uint64_t epoch_ = 0;
  std::deque<Work> queue_;
  ServiceStats stats_;
};

}  // namespace sluice::sim

#endif  // SLUICE_CORE_SIM_SIM_SERVICE_H_
