// pipeline.h: Pipeline, resilience policies composed in the order you choose, as in
// Polly v8: retry ∘ breaker ∘ bulkhead ∘ timeout, or any other nesting.
//
// Everything is asynchronous and sans-I/O. An Operation starts one attempt and calls
// `done` exactly once with its result; the pipeline wraps it in the stages, outermost
// first, and calls `on_result` exactly once with the final result:
//
//   Pipeline pipeline = Pipeline::Builder(scheduler)
//                           .retry(retry)        // outermost: retries what is inside
//                           .breaker(breaker)    // each attempt asks the breaker
//                           .bulkhead(bulkhead)
//                           .timeout(limiter)    // innermost: a deadline per attempt
//                           .build();
//   pipeline.execute(
//       [&](Pipeline::Done done) { client.get("/api/inventory/SKU-1", [done](Reply r) {
//         done(r.ok() ? CallResult::success() : CallResult::failure(r.status >= 500, r.text)); }); },
//       [&](const CallResult& result) { ... result.reason: "breaker_open", "timeout", ... });
//
// Rejections by a policy are results too, with `reason` naming the policy and a
// verdict for an outer retry: an open breaker is not retryable (retrying into it only
// waits to be rejected again); a full bulkhead, an expired bulkhead wait, a rate limit
// and a timeout are.
//
// Order matters, as it does in Polly: a breaker outside a timeout counts timeouts as
// failures; inside it, it sees the call's own (late) outcome. A late reply after a
// timeout is dropped by the timeout stage: on_result has already been called.
//
// REQUIRES: the scheduler and every policy outlive the pipeline and its calls.
// Externally synchronised, like the Scheduler.
#ifndef SLUICE_CORE_RESILIENCE_PIPELINE_H_
#define SLUICE_CORE_RESILIENCE_PIPELINE_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/resilience/bulkhead.h"
#include "core/resilience/circuit_breaker.h"
#include "core/resilience/rate_limiter.h"
#include "core/resilience/retry.h"
#include "core/resilience/time_limiter.h"
#include "core/time/scheduler.h"

namespace sluice::resilience {

// CallResult: how one attempt, or the whole call, ended.
struct CallResult {
  Outcome outcome = Outcome::kSuccess;
  bool retryable = false;  // for kFailure: may an outer retry try again?
  std::string reason;      // empty on success; the policy or the operation's error
  // not_sent: a policy rejected the call before the operation ran (an open breaker, a
  // full bulkhead, a rate limit), in every attempt: the far side cannot have acted on it.
  bool not_sent = false;

  static CallResult success() { return {}; }
  static CallResult failure(bool retryable, std::string reason) {
    return {Outcome::kFailure, retryable, std::move(reason)};
  }
  static CallResult rejected(bool retryable, std::string reason) {
    return {Outcome::kFailure, retryable, std::move(reason), true};
  }
  static CallResult ignored(std::string reason) { return {Outcome::kIgnored, false, std::move(reason)}; }
};

class Pipeline {
 public:
  using Done = std::function<void(CallResult)>;
  // Operation: starts one attempt; calls `done` exactly once.
  using Operation = std::function<void(Done done)>;

  class Stage;
  using Stages = std::shared_ptr<const std::vector<std::unique_ptr<Stage>>>;

  // Next: what a stage wraps, the stages inside it and then the operation. Cheap to
  // copy (two shared pointers and an index), so stages keep it in their callbacks.
  class Next {
   public:
    // operator(): starts what is inside; `done` is called exactly once.
    void operator()(Done done) const;

   private:
    friend class Pipeline;
    Next(Stages stages, std::size_t index, std::shared_ptr<const Operation> operation)
        : stages_(std::move(stages)), index_(index), operation_(std::move(operation)) {}

    Stages stages_;
    std::size_t index_;
    std::shared_ptr<const Operation> operation_;
  };

  // Stage: one policy around everything inside it.
  class Stage {
   public:
    virtual ~Stage() = default;
    // run: runs `inner` under this policy and calls `done` exactly once.
    virtual void run(const Next& inner, Done done) = 0;
  };

  class Builder {
   public:
    explicit Builder(time::Scheduler& scheduler) : scheduler_(scheduler) {}
    // Each adds a stage inside the ones added before.
    Builder& retry(Retry& retry);
    Builder& breaker(CircuitBreaker& breaker);
    Builder& bulkhead(Bulkhead& bulkhead);
    Builder& timeout(TimeLimiter& limiter);
    Builder& rate_limit(RateLimiter& limiter);
    Builder& stage(std::unique_ptr<Stage> stage);
    Pipeline build() { return Pipeline(std::move(stages_)); }

   private:
    time::Scheduler& scheduler_;
    std::vector<std::unique_ptr<Stage>> stages_;
  };

  // execute: runs `operation` through every stage; `on_result` is called exactly once.
  void execute(Operation operation, Done on_result) const;

 private:
  explicit Pipeline(std::vector<std::unique_ptr<Stage>> stages);

  // Shared: a Pipeline may be moved while calls it started are still running.
  Stages stages_;
};

}  // namespace sluice::resilience

#endif  // SLUICE_CORE_RESILIENCE_PIPELINE_H_
