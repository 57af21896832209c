#include "core/resilience/retry_budget.h"

#include <cmath>
#include <string>

#include "core/base/check.h"
#include "core/base/format.h"

namespace sluice::resilience {

Status RetryBudgetConfig::validate() const {
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(ttl);
  if (ttl != seconds || seconds.count() < 1 || seconds.count() > 3600) {
    return Status::invalid_argument("retry budget ttl must be whole seconds from 1 to 3600; got " +
                                    format_number(std::chrono::duration<double>(ttl).count()) + " s");
  }
  if (!(percent_can_retry >= 0 && percent_can_retry <= 1000)) {
    return Status::invalid_argument("retry budget percent_can_retry must be from 0 to 1000; got " +
                                    format_number(percent_can_retry));
  }
  return Status();
}

RetryBudget::RetryBudget(const time::Clock& clock, RetryBudgetConfig config)
    : clock_(clock),
      config_(config),
      ttl_seconds_(std::chrono::duration_cast<std::chrono::seconds>(config.ttl).count()) {
  SLUICE_CHECK(config_.validate().ok());
  buckets_.resize(static_cast<std::size_t>(ttl_seconds_));
}

std::int64_t RetryBudget::now_second() const {
  return std::chrono::floor<std::chrono::seconds>(clock_.now().time_since_epoch()).count();
}

RetryBudget::Bucket& RetryBudget::current(std::int64_t second) {
  const std::int64_t m = second % ttl_seconds_;
  Bucket& bucket = buckets_[static_cast<std::size_t>(m < 0 ? m + ttl_seconds_ : m)];
  if (bucket.second != second) bucket = Bucket{second, 0, 0};
  return bucket;
}

RetryBudgetStats RetryBudget::totals(std::int64_t second) const {
  RetryBudgetStats stats;
  for (const Bucket& bucket : buckets_) {
    if (bucket.second > second - ttl_seconds_ && bucket.second <= second) {
      stats.requests += bucket.requests;
      stats.retries += bucket.retries;
    }
  }
  // Integer floor of percent × requests, computed exactly for any realistic count.
  const auto share =
      static_cast<std::uint64_t>(std::floor(config_.percent_can_retry * static_cast<double>(stats.requests) / 100.0));
  stats.allowed_retries =
      std::uint64_t{config_.min_retries_per_second} * static_cast<std::uint64_t>(ttl_seconds_) + share;
  stats.retries_refused = refused_;
  return stats;
}

void RetryBudget::record_request() {
  std::lock_guard lock(mutex_);
  ++current(now_second()).requests;
}

bool RetryBudget::try_withdraw() {
  std::lock_guard lock(mutex_);
  const std::int64_t second = now_second();
  const RetryBudgetStats window = totals(second);
  if (window.retries >= window.allowed_retries) {
    ++refused_;
    return false;
  }
  ++current(second).retries;
  return true;
}

RetryBudgetStats RetryBudget::stats() const {
  std::lock_guard lock(mutex_);
  return totals(now_second());
}

}  // namespace sluice::resilience
