// retry_budget.h: RetryBudget, a cap on retries as a share of requests, so that
// retries cannot multiply the load on a dependency that is already failing.
//
// Finagle's semantics: over the last `ttl`, retries may be at most
// `percent_can_retry` of the requests made, plus `min_retries_per_second` × ttl so
// that a quiet client can still retry. One budget is shared by every call to a
// dependency.
//
//   RetryBudget budget(clock, {.ttl = 10s, .min_retries_per_second = 10, .percent_can_retry = 20});
//   budget.record_request();            // each first attempt
//   if (budget.try_withdraw()) retry(); // each retry; false: the budget is spent
//
// Time is counted in one-second buckets, so a request leaves the window within a
// second of ttl. Thread-safe (a mutex: retries are not a hot path).
#ifndef SLUICE_CORE_RESILIENCE_RETRY_BUDGET_H_
#define SLUICE_CORE_RESILIENCE_RETRY_BUDGET_H_

#include <chrono>
#include <cstdint>
#include <mutex>
#include <vector>

#include "core/base/status.h"
#include "core/time/clock.h"

namespace sluice::resilience {

struct RetryBudgetConfig {
  time::Duration ttl = std::chrono::seconds(10);  // whole seconds, 1 to 3600
  std::uint32_t min_retries_per_second = 10;
  double percent_can_retry = 20;  // 0 to 1000 (more retries than requests is allowed)

  Status validate() const;
};

// RetryBudgetStats: the window as of now.
struct RetryBudgetStats {
  std::uint64_t requests = 0;
  std::uint64_t retries = 0;
  std::uint64_t allowed_retries = 0;
  std::uint64_t retries_refused = 0;  // since construction
};

class RetryBudget {
 public:
  // REQUIRES: config.validate().ok(); the clock outlives the budget.
  RetryBudget(const time::Clock& clock, RetryBudgetConfig config);

  // record_request: a first attempt was made.
  void record_request();

  // try_withdraw: true, and counts a retry, if the budget allows one now.
  bool try_withdraw();

  RetryBudgetStats stats() const;

 private:
  struct Bucket {
    std::int64_t second = INT64_MIN;
    std::uint64_t requests = 0;
    std::uint64_t retries = 0;
  };

  Bucket& current(std::int64_t second);
  RetryBudgetStats totals(std::int64_t second) const;
  std::int64_t now_second() const;

  const time::Clock& clock_;
  const RetryBudgetConfig config_;
  const std::int64_t ttl_seconds_;
  mutable std::mutex mutex_;
  std::vector<Bucket> buckets_;
  std::uint64_t refused_ = 0;
};

}  // namespace sluice::resilience

#endif  // SLUICE_CORE_RESILIENCE_RETRY_BUDGET_H_
