// The circuit breaker's hot paths against the article's breaker ported to C++ behind a
// std::mutex (the straightforward thread-safe port), in the same run:
//   closed: try_acquire() + record(success), 1 and 2 threads
//   open:   a rejected try_acquire()
//   pipeline: retry ∘ breaker ∘ bulkhead ∘ timeout vs the same policies wired by hand
//   outlier:  a least-request pick among 100 hosts vs filtering them on every pick
//   limiter:  the adaptive concurrency limiter's try_acquire() + release(success),
//             against the closed breaker's call (its budget: at most 30 ns)
// allocs_per_call counts heap allocations inside the timed loop (zero is the target
// for the breaker; the pipeline's type-erased callbacks allocate, and say how much).
// Report ratios (ours / peer); absolute times drift on a shared machine. Both sides
// read the same never-moving clock, so the figures are the breakers' own cost.
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "core/resilience/adaptive_limiter.h"
#include "core/resilience/circuit_breaker.h"
#include "core/resilience/outlier_detector.h"
#include "core/resilience/pipeline.h"
#include "core/time/manual_clock.h"
#include "core/time/virtual_time.h"

namespace {

// Per thread, so one benchmark thread's set-up does not count in another's loop.
thread_local std::uint64_t allocations = 0;

}  // namespace

// Replaced global allocation functions, to count allocations. GCC cannot see that a
// replaced operator new and delete built on malloc and free match, and warns.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

void* operator new(std::size_t size) {
  ++allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace {

using sluice::resilience::BreakerState;
using sluice::resilience::CircuitBreaker;
using sluice::resilience::CircuitBreakerConfig;
using sluice::resilience::Outcome;

// The article's class, made thread-safe the obvious way.
class ArticleBreakerWithMutex {
 public:
  ArticleBreakerWithMutex(int failure_threshold, std::int64_t reset_timeout_ms, const sluice::time::Clock& clock)
      : failure_threshold_(failure_threshold), reset_timeout_ms_(reset_timeout_ms), clock_(clock) {}

  bool allow() {
    std::lock_guard lock(mutex_);
    if (state_ != kOpen) return true;
    if (now_ms() - last_failure_ms_ > reset_timeout_ms_) {
      state_ = kHalfOpen;
      return true;
    }
    return false;
  }

  void record(bool failed) {
    std::lock_guard lock(mutex_);
    if (!failed) {
      if (state_ == kHalfOpen) state_ = kClosed, failure_count_ = 0;
      return;
    }
    ++failure_count_;
    last_failure_ms_ = now_ms();
    if (failure_count_ >= failure_threshold_) state_ = kOpen;
  }

 private:
  enum State { kClosed, kOpen, kHalfOpen };
  std::int64_t now_ms() const { return sluice::time::nanos_since_epoch(clock_.now()) / 1'000'000; }

  std::mutex mutex_;
  int failure_threshold_;
  std::int64_t reset_timeout_ms_;
  const sluice::time::Clock& clock_;
  State state_ = kClosed;
  int failure_count_ = 0;
  std::int64_t last_failure_ms_ = 0;
};

sluice::time::ManualClock& shared_clock() {
  static sluice::time::ManualClock clock;  // never moves: reads are race-free
  return clock;
}

CircuitBreakerConfig realistic_config() {
  CircuitBreakerConfig config;
  config.failure_threshold = 5;
  config.failure_rate_threshold_percent = 50;
  config.window_size = 100;
  config.minimum_calls = 20;
  return config;
}

void report_allocations(benchmark::State& state, std::uint64_t before) {
  state.counters["allocs_per_call"] =
      benchmark::Counter(static_cast<double>(allocations - before) / static_cast<double>(state.iterations()),
                         benchmark::Counter::kAvgThreads);
}

void BM_Breaker_ClosedAcquireRecord(benchmark::State& state) {
  static CircuitBreaker* breaker;
  if (state.thread_index() == 0) breaker = new CircuitBreaker("bench", realistic_config(), shared_clock());
  // Outside the loop (the first iteration waits for every thread): a thread's first
  // call allocates its shard's latency histogram, once.
  bool warmed_up = false;
  std::uint64_t before = 0;
  for (auto _ : state) {
    if (!warmed_up) {
      state.PauseTiming();
      breaker->try_acquire().record(Outcome::kSuccess, std::chrono::microseconds(200));
      before = allocations;
      warmed_up = true;
      state.ResumeTiming();
    }
    CircuitBreaker::Permit permit = breaker->try_acquire();
    permit.record(Outcome::kSuccess, std::chrono::microseconds(200));
  }
  report_allocations(state, before);
  if (state.thread_index() == 0) {
    if (breaker->state() != BreakerState::kClosed) state.SkipWithError("the breaker left CLOSED");
    delete breaker;
  }
}
BENCHMARK(BM_Breaker_ClosedAcquireRecord)->Threads(1)->Threads(2)->UseRealTime();

void BM_Peer_ArticleMutex_ClosedAllowRecord(benchmark::State& state) {
  static ArticleBreakerWithMutex* breaker;
  if (state.thread_index() == 0) breaker = new ArticleBreakerWithMutex(5, 30'000, shared_clock());
  for (auto _ : state) {
    if (breaker->allow()) breaker->record(false);
  }
  if (state.thread_index() == 0) delete breaker;
}
BENCHMARK(BM_Peer_ArticleMutex_ClosedAllowRecord)->Threads(1)->Threads(2)->UseRealTime();

void BM_Breaker_OpenReject(benchmark::State& state) {
  CircuitBreakerConfig config = realistic_config();
  config.wait_in_open = std::chrono::hours(1);
  CircuitBreaker breaker("bench", config, shared_clock());
  for (int i = 0; i < 5; ++i) breaker.try_acquire().record(Outcome::kFailure);  // trips it
  if (breaker.state() != BreakerState::kOpen) state.SkipWithError("the breaker did not trip");
  const std::uint64_t before = allocations;
  for (auto _ : state) benchmark::DoNotOptimize(breaker.try_acquire());
  report_allocations(state, before);
}
BENCHMARK(BM_Breaker_OpenReject);

void BM_Peer_ArticleMutex_OpenReject(benchmark::State& state) {
  ArticleBreakerWithMutex breaker(1, 1'000'000, shared_clock());
  breaker.record(true);
  for (auto _ : state) benchmark::DoNotOptimize(breaker.allow());
}
BENCHMARK(BM_Peer_ArticleMutex_OpenReject);

void BM_LatencyHistogram_Record(benchmark::State& state) {
  sluice::observe::LatencyHistogram histogram;
  std::int64_t nanos = 200'000;
  for (auto _ : state) {
    histogram.record(sluice::time::Duration(nanos));
    nanos ^= 1;  // keep the compiler from folding the bucket
  }
  benchmark::DoNotOptimize(histogram.count());
}
BENCHMARK(BM_LatencyHistogram_Record);

// ---- The adaptive concurrency limiter: try_acquire() + release(success), the cost a
// server pays per request. Compared with the closed breaker's call in the same run.

sluice::resilience::AdaptiveLimiter* new_settled_limiter(const sluice::time::Clock& clock) {
  using sluice::resilience::AdaptiveLimiter;
  auto* limiter = new AdaptiveLimiter("bench", sluice::resilience::AdaptiveLimiterConfig{}, clock, 1);
  // The first probe ends after min_rtt_request_count samples: measure the steady state.
  while (limiter->phase() == sluice::resilience::LimiterPhase::kProbing) {
    limiter->try_acquire().release(sluice::resilience::LimitOutcome::kSuccess, std::chrono::microseconds(1));
  }
  return limiter;
}

void BM_Limiter_AcquireRelease(benchmark::State& state) {
  using sluice::resilience::LimitOutcome;
  static sluice::resilience::AdaptiveLimiter* limiter;
  if (state.thread_index() == 0) limiter = new_settled_limiter(shared_clock());
  std::uint64_t before = 0;
  bool started = false;
  for (auto _ : state) {
    if (!started) {
      before = allocations;  // after the set-up, which the first iteration waits for
      started = true;
    }
    sluice::resilience::AdaptiveLimiter::Permit permit = limiter->try_acquire();
    permit.release(LimitOutcome::kSuccess, std::chrono::microseconds(200));
  }
  report_allocations(state, before);
  if (state.thread_index() == 0) {
    if (limiter->stats().rejected != 0) state.SkipWithError("the limiter rejected a call");
    delete limiter;
  }
}
BENCHMARK(BM_Limiter_AcquireRelease)->Threads(1)->Threads(2)->UseRealTime();

// The same on a clock that moves 1 us per call, so sample windows end (every 100,000
// calls) and their cost is in the figure.
void BM_Limiter_AcquireRelease_WindowsEnding(benchmark::State& state) {
  using sluice::resilience::LimitOutcome;
  sluice::time::ManualClock clock;
  std::unique_ptr<sluice::resilience::AdaptiveLimiter> limiter(new_settled_limiter(clock));
  for (auto _ : state) {
    sluice::resilience::AdaptiveLimiter::Permit permit = limiter->try_acquire();
    clock.advance(std::chrono::microseconds(1));
    permit.release(LimitOutcome::kSuccess);
  }
}
BENCHMARK(BM_Limiter_AcquireRelease_WindowsEnding);

void BM_Limiter_Reject(benchmark::State& state) {
  std::unique_ptr<sluice::resilience::AdaptiveLimiter> limiter(new_settled_limiter(shared_clock()));
  std::vector<sluice::resilience::AdaptiveLimiter::Permit> held;
  for (auto permit = limiter->try_acquire(); permit; permit = limiter->try_acquire()) held.push_back(std::move(permit));
  const std::uint64_t before = allocations;
  for (auto _ : state) benchmark::DoNotOptimize(limiter->try_acquire());
  report_allocations(state, before);
}
BENCHMARK(BM_Limiter_Reject);

// ---- A full pipeline: retry ∘ breaker ∘ bulkhead ∘ timeout around an operation that
// succeeds at once, on virtual time (the bulkhead answers through the scheduler).
// The peer wires the same four policies by hand for one call: the ratio is the cost of
// composing them.

struct PipelineParts {
  sluice::time::VirtualTime time;
  sluice::resilience::Retry retry{sluice::resilience::RetryConfig{}, sluice::time::Prng(1)};
  CircuitBreaker breaker{"bench", realistic_config(), time};
  sluice::resilience::Bulkhead bulkhead{"bench", {.max_concurrent_calls = 10, .max_queued_calls = 10}, time};
  sluice::resilience::TimeLimiter timeout{time, std::chrono::seconds(1)};
};

void BM_Pipeline_RetryBreakerBulkheadTimeout(benchmark::State& state) {
  PipelineParts parts;
  using sluice::resilience::CallResult;
  using sluice::resilience::Pipeline;
  const Pipeline pipeline = Pipeline::Builder(parts.time)
                                .retry(parts.retry)
                                .breaker(parts.breaker)
                                .bulkhead(parts.bulkhead)
                                .timeout(parts.timeout)
                                .build();
  const Pipeline::Operation operation = [](Pipeline::Done done) { done(CallResult::success()); };
  std::int64_t succeeded = 0;
  const std::uint64_t before = allocations;
  for (auto _ : state) {
    pipeline.execute(operation, [&succeeded](const CallResult& r) { succeeded += r.outcome == Outcome::kSuccess; });
    parts.time.run_next();
  }
  report_allocations(state, before);
  if (succeeded != static_cast<std::int64_t>(state.iterations())) state.SkipWithError("a call did not succeed");
}
BENCHMARK(BM_Pipeline_RetryBreakerBulkheadTimeout);

void BM_Peer_HandWired_RetryBreakerBulkheadTimeout(benchmark::State& state) {
  PipelineParts parts;
  std::int64_t succeeded = 0;
  const std::uint64_t before = allocations;
  for (auto _ : state) {
    sluice::resilience::RetryState attempts = parts.retry.start();
    benchmark::DoNotOptimize(attempts);
    CircuitBreaker::Permit permit = parts.breaker.try_acquire();
    if (!permit) continue;
    auto held = std::make_shared<CircuitBreaker::Permit>(std::move(permit));
    parts.bulkhead.enter([&, held](sluice::resilience::Bulkhead::Permit slot, std::string_view) {
      if (!slot) return;
      sluice::resilience::TimeLimiter::Call call = parts.timeout.start([] {});
      const bool on_time = call.finish();  // the operation succeeded at once
      held->record(on_time ? Outcome::kSuccess : Outcome::kFailure);
      succeeded += on_time;
    });
    parts.time.run_next();
  }
  report_allocations(state, before);
  if (succeeded != static_cast<std::int64_t>(state.iterations())) state.SkipWithError("a call did not succeed");
}
BENCHMARK(BM_Peer_HandWired_RetryBreakerBulkheadTimeout);

// ---- Outlier detection: a pick among 100 endpoints, 10 of them ejected. The peer is
// the naive way: filter the hosts in service on every pick.

std::unique_ptr<sluice::resilience::OutlierDetector> detector_with_ten_ejected(sluice::time::VirtualTime& time) {
  std::vector<std::string> endpoints;
  for (int i = 0; i < 100; ++i) endpoints.push_back("10.0.0." + std::to_string(i) + ":3000");
  sluice::resilience::OutlierDetectionConfig config;
  config.consecutive_5xx = 1;
  config.max_ejection_percent = 50;
  auto detector = std::make_unique<sluice::resilience::OutlierDetector>(endpoints, config, time, sluice::time::Prng(1));
  for (std::size_t h = 0; h < 100; h += 10) detector->record(h, 503);
  return detector;
}

void BM_Outlier_PickLeastRequest_100Hosts(benchmark::State& state) {
  sluice::time::VirtualTime time;
  auto detector = detector_with_ten_ejected(time);
  const std::uint64_t before = allocations;
  for (auto _ : state) benchmark::DoNotOptimize(detector->pick_least_request());
  report_allocations(state, before);
}
BENCHMARK(BM_Outlier_PickLeastRequest_100Hosts);

void BM_Outlier_PickRoundRobin_100Hosts(benchmark::State& state) {
  sluice::time::VirtualTime time;
  auto detector = detector_with_ten_ejected(time);
  for (auto _ : state) benchmark::DoNotOptimize(detector->pick_round_robin());
}
BENCHMARK(BM_Outlier_PickRoundRobin_100Hosts);

void BM_Peer_FilterEachPick_LeastRequest_100Hosts(benchmark::State& state) {
  std::vector<bool> ejected(100);
  std::vector<std::uint32_t> in_flight(100);
  for (std::size_t h = 0; h < 100; h += 10) ejected[h] = true;
  sluice::time::Prng prng(1);
  for (auto _ : state) {
    std::vector<std::size_t> in_service;
    for (std::size_t h = 0; h < 100; ++h) {
      if (!ejected[h]) in_service.push_back(h);
    }
    const std::size_t a = in_service[prng.uniform_below(in_service.size())];
    const std::size_t b = in_service[prng.uniform_below(in_service.size())];
    benchmark::DoNotOptimize(in_flight[b] < in_flight[a] ? b : a);
  }
}
BENCHMARK(BM_Peer_FilterEachPick_LeastRequest_100Hosts);

}  // namespace
