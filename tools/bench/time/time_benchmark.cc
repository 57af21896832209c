// core/time against the standard library's nearest equivalents, in the same run:
//   Prng::next_u64        vs std::mt19937_64
//   Prng::uniform_below   vs std::uniform_int_distribution over std::mt19937_64
//   VirtualTime           vs a std::multimap<Instant, std::function> timer queue
// Report ratios (ours / peer); absolute times drift on a shared machine.
#include <benchmark/benchmark.h>

#include <functional>
#include <map>
#include <random>

#include "core/time/prng.h"
#include "core/time/virtual_time.h"

namespace {

using sluice::time::Duration;
using sluice::time::Instant;

void BM_Prng_NextU64(benchmark::State& state) {
  sluice::time::Prng prng(42);
  for (auto _ : state) benchmark::DoNotOptimize(prng.next_u64());
}
BENCHMARK(BM_Prng_NextU64);

void BM_Peer_Mt19937_64(benchmark::State& state) {
  std::mt19937_64 engine(42);
  for (auto _ : state) benchmark::DoNotOptimize(engine());
}
BENCHMARK(BM_Peer_Mt19937_64);

void BM_Prng_UniformBelow(benchmark::State& state) {
  sluice::time::Prng prng(42);
  for (auto _ : state) benchmark::DoNotOptimize(prng.uniform_below(1'000'003));
}
BENCHMARK(BM_Prng_UniformBelow);

void BM_Peer_UniformIntDistribution(benchmark::State& state) {
  std::mt19937_64 engine(42);
  std::uniform_int_distribution<std::uint64_t> distribution(0, 1'000'002);
  for (auto _ : state) benchmark::DoNotOptimize(distribution(engine));
}
BENCHMARK(BM_Peer_UniformIntDistribution);

// Schedule `timers` callbacks at pseudo-random deadlines within the next millisecond,
// cancel a quarter (answered requests), fire the rest. One queue lives across
// iterations, as in a simulator, so the figures are steady state rather than the cost
// of fresh memory. Items per second counts timers scheduled.
void BM_VirtualTime_ScheduleCancelFire(benchmark::State& state) {
  const auto timers = static_cast<int>(state.range(0));
  sluice::time::Prng prng(7);
  sluice::time::VirtualTime time;
  std::vector<sluice::time::TimerId> ids(timers);
  std::int64_t fired = 0;
  for (auto _ : state) {
    for (int i = 0; i < timers; ++i) {
      ids[i] = time.schedule_after(Duration(prng.uniform_below(1'000'000)), [&fired] { ++fired; });
    }
    for (int i = 0; i < timers; i += 4) time.cancel(ids[i]);
    time.run_for(Duration(1'000'000));
  }
  benchmark::DoNotOptimize(fired);
  state.SetItemsProcessed(state.iterations() * timers);
}
BENCHMARK(BM_VirtualTime_ScheduleCancelFire)->Arg(1'000)->Arg(100'000);

void BM_Peer_MultimapTimerQueue(benchmark::State& state) {
  const auto timers = static_cast<int>(state.range(0));
  sluice::time::Prng prng(7);
  using Queue = std::multimap<Instant, std::function<void()>>;
  Queue queue;
  std::vector<Queue::iterator> ids(timers);
  Instant now;
  std::int64_t fired = 0;
  for (auto _ : state) {
    for (int i = 0; i < timers; ++i) {
      ids[i] = queue.emplace(now + Duration(prng.uniform_below(1'000'000)), [&fired] { ++fired; });
    }
    for (int i = 0; i < timers; i += 4) queue.erase(ids[i]);
    now += Duration(1'000'000);
    while (!queue.empty() && queue.begin()->first <= now) {
      auto callback = std::move(queue.begin()->second);
      queue.erase(queue.begin());
      callback();
    }
  }
  benchmark::DoNotOptimize(fired);
  state.SetItemsProcessed(state.iterations() * timers);
}
BENCHMARK(BM_Peer_MultimapTimerQueue)->Arg(1'000)->Arg(100'000);

}  // namespace
