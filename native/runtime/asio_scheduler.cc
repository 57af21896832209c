#include "native/runtime/asio_scheduler.h"

#include <chrono>
#include <utility>

namespace sluice::native {
namespace {

std::chrono::steady_clock::time_point to_steady(time::Instant instant) {
  return std::chrono::steady_clock::time_point(
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(instant.time_since_epoch()));
}

}  // namespace

time::Instant steady_now() {
  return time::Instant(std::chrono::duration_cast<time::Duration>(std::chrono::steady_clock::now().time_since_epoch()));
}

const time::Clock& steady_time_source() {
  class SteadyClock final : public time::Clock {
    time::Instant now() const override { return steady_now(); }
  };
  static const SteadyClock clock;
  return clock;
}

AsioScheduler::AsioScheduler(asio::io_context& io) : timer_(io), queue_(steady_now()) {}

AsioScheduler::~AsioScheduler() {
  ++generation_;  // a wait still queued in the io_context finds nothing to do
  timer_.cancel();
}

time::TimerId AsioScheduler::schedule_at(time::Instant deadline, Callback callback) {
  const time::TimerId id = queue_.schedule_at(deadline, std::move(callback));
  if (!running_) arm();
  return id;
}

bool AsioScheduler::cancel(time::TimerId id) {
  const bool cancelled = queue_.cancel(id);
  if (cancelled && !running_) arm();
  return cancelled;
}

void AsioScheduler::arm() {
  const std::optional<time::Instant> next = queue_.next_deadline();
  if (next == armed_for_) return;
  armed_for_ = next;
  const std::uint64_t generation = ++generation_;
  if (!next) {
    timer_.cancel();
    return;
  }
  timer_.expires_at(to_steady(*next));
  timer_.async_wait([this, generation](const asio::error_code& error) {
    if (!error) on_timer(generation);
  });
}

void AsioScheduler::on_timer(std::uint64_t generation) {
  if (generation != generation_) return;
  armed_for_.reset();
  // Run every timer due by now, in deadline order, including those the callbacks
  // schedule for times already past; the queue's clock follows real time.
  running_ = true;
  queue_.run_until(std::max(queue_.now(), steady_now()));
  running_ = false;
  arm();
}

}  // namespace sluice::native
