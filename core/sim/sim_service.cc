#include "core/sim/sim_service.h"

#include <array>
#include <utility>

namespace sluice::sim {

SimService::SimService(Node node, ServiceConfig config, time::VirtualTime& time, time::Prng prng, Network& network,
                       observe::EventSink& events)
    : node_(node), config_(config), time_(time), prng_(std::move(prng)), network_(network), events_(events) {}

void SimService::handle(Work work) {
  if (!up()) return;
  if (stats_.in_progress < config_.concurrency) {
    start(std::move(work));
    return;
  }
  if (queue_.size() >= config_.max_queue) {
    ++stats_.shed;
    ++stats_.failed;
    work(true);
    return;
  }
  queue_.push_back(std::move(work));
  stats_.queued = queue_.size();
}

void SimService::start(Work work) {
  ++stats_.in_progress;
  const time::Duration drawn = prng_.uniform_duration(config_.service_time_min, config_.service_time_max);
  const bool failed = prng_.chance(config_.error_rate);
  const auto slowed = time::Duration(static_cast<std::int64_t>(static_cast<double>(drawn.count()) * slowdown_));
  time_.schedule_after(slowed + added_latency_,
                       [this, epoch = epoch_, failed, work = std::move(work)] { finish(epoch, failed, work); });
}

void SimService::finish(std::uint64_t epoch, bool failed, const Work& work) {
  if (epoch != epoch_) return;  // started before a crash: its work died with the process
  --stats_.in_progress;
  ++stats_.handled;
  if (failed) ++stats_.failed;
  if (!queue_.empty()) {
    Work next = std::move(queue_.front());
    queue_.pop_front();
    stats_.queued = queue_.size();
    start(std::move(next));
  }
  work(failed);
}

void SimService::crash() {
  if (!up()) return;
  ++epoch_;
  ++stats_.crashes;
  queue_.clear();
  stats_.queued = 0;
  stats_.in_progress = 0;
  network_.set_up(node_, false);
  events_.on_event({.what = "service.crashed", .where = node_name(node_), .when = time_.now()});
}

void SimService::restart() {
  if (up()) return;
  network_.set_up(node_, true);
  events_.on_event({.what = "service.restarted", .where = node_name(node_), .when = time_.now()});
}

}  // namespace sluice::sim
