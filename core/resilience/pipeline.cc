#include "core/resilience/pipeline.h"

#include <utility>

namespace sluice::resilience {
namespace {

using Done = Pipeline::Done;
using Next = Pipeline::Next;

// Calls the wrapped `done` at most once, whichever of several paths gets there first.
class Once {
 public:
  explicit Once(Done done) : state_(std::make_shared<State>(State{std::move(done), false})) {}
  void operator()(CallResult result) const {
    if (state_->called) return;
    state_->called = true;
    state_->done(std::move(result));
  }

 private:
  struct State {
    Done done;
    bool called;
  };
  std::shared_ptr<State> state_;
};

class RetryStage : public Pipeline::Stage {
 public:
  RetryStage(Retry& retry, time::Scheduler& scheduler) : retry_(retry), scheduler_(scheduler) {}

  void run(const Next& inner, Done done) override {
    struct Call {
      RetryState state;
      Next inner;
      Done done;
      bool any_sent = false;  // an attempt reached the operation
    };
    auto call = std::make_shared<Call>(Call{retry_.start(), inner, std::move(done)});
    attempt(std::move(call));
  }

 private:
  template <typename CallPtr>
  void attempt(CallPtr call) {
    call->inner([this, call](CallResult result) {
      call->any_sent = call->any_sent || !result.not_sent;
      result.not_sent = !call->any_sent;
      if (result.outcome != Outcome::kFailure) return call->done(std::move(result));
      const RetryDecision next = call->state.on_failure(result.retryable);
      if (!next.retry) {
        // The last attempt's own reason says most; a budget refusal is worth saying.
        if (next.reason == "budget_exhausted") result.reason = "retry_budget_exhausted: " + result.reason;
        return call->done(std::move(result));
      }
      scheduler_.schedule_after(next.delay, [this, call] { attempt(call); });
    });
  }

  Retry& retry_;
  time::Scheduler& scheduler_;
};

class BreakerStage : public Pipeline::Stage {
 public:
  explicit BreakerStage(CircuitBreaker& breaker) : breaker_(breaker) {}

  void run(const Next& inner, Done done) override {
    CircuitBreaker::Permit permit = breaker_.try_acquire();
    if (!permit) return done(CallResult::rejected(/*retryable=*/false, "breaker_open"));
    auto held = std::make_shared<CircuitBreaker::Permit>(std::move(permit));
    inner([held, done = std::move(done)](CallResult result) {
      if (*held) held->record(result.outcome);
      done(std::move(result));
    });
  }

 private:
  CircuitBreaker& breaker_;
};

class BulkheadStage : public Pipeline::Stage {
 public:
  explicit BulkheadStage(Bulkhead& bulkhead) : bulkhead_(bulkhead) {}

  void run(const Next& inner, Done done) override {
    bulkhead_.enter([inner, done = std::move(done)](Bulkhead::Permit permit, std::string_view rejected_because) {
      if (!permit) return done(CallResult::rejected(/*retryable=*/true, "bulkhead_" + std::string(rejected_because)));
      auto held = std::make_shared<Bulkhead::Permit>(std::move(permit));
      inner([held, done](CallResult result) {
        held->release();  // the slot is free before the caller hears back
        done(std::move(result));
      });
    });
  }

 private:
  Bulkhead& bulkhead_;
};

class TimeoutStage : public Pipeline::Stage {
 public:
  explicit TimeoutStage(TimeLimiter& limiter) : limiter_(limiter) {}

  void run(const Next& inner, Done done) override {
    const Once once(std::move(done));
    auto call = std::make_shared<TimeLimiter::Call>(
        limiter_.start([once] { once(CallResult::failure(/*retryable=*/true, "timeout")); }));
    inner([call, once](CallResult result) {
      if (call->finish()) once(std::move(result));  // late replies are dropped
    });
  }

 private:
  TimeLimiter& limiter_;
};

class RateLimitStage : public Pipeline::Stage {
 public:
  explicit RateLimitStage(RateLimiter& limiter) : limiter_(limiter) {}

  void run(const Next& inner, Done done) override {
    if (!limiter_.try_acquire()) return done(CallResult::rejected(/*retryable=*/true, "rate_limited"));
    inner(std::move(done));
  }

 private:
  RateLimiter& limiter_;
};

}  // namespace

Pipeline::Builder& Pipeline::Builder::retry(Retry& retry) {
  return stage(std::make_unique<RetryStage>(retry, scheduler_));
}
Pipeline::Builder& Pipeline::Builder::breaker(CircuitBreaker& breaker) {
  return stage(std::make_unique<BreakerStage>(breaker));
}
Pipeline::Builder& Pipeline::Builder::bulkhead(Bulkhead& bulkhead) {
  return stage(std::make_unique<BulkheadStage>(bulkhead));
}
Pipeline::Builder& Pipeline::Builder::timeout(TimeLimiter& limiter) {
  return stage(std::make_unique<TimeoutStage>(limiter));
}
Pipeline::Builder& Pipeline::Builder::rate_limit(RateLimiter& limiter) {
  return stage(std::make_unique<RateLimitStage>(limiter));
}
Pipeline::Builder& Pipeline::Builder::stage(std::unique_ptr<Stage> stage) {
  stages_.push_back(std::move(stage));
  return *this;
}

Pipeline::Pipeline(std::vector<std::unique_ptr<Stage>> stages)
    : stages_(std::make_shared<const std::vector<std::unique_ptr<Stage>>>(std::move(stages))) {}

void Pipeline::execute(Operation operation, Done on_result) const {
  Next(stages_, 0, std::make_shared<const Operation>(std::move(operation)))(Once(std::move(on_result)));
}

void Pipeline::Next::operator()(Done done) const {
  if (index_ == stages_->size()) return (*operation_)(std::move(done));
  // The stage holds the stages, not the Pipeline, so calls outlive a moved-from one.
  (*stages_)[index_]->run(Next(stages_, index_ + 1, operation_), std::move(done));
}

}  // namespace sluice::resilience
