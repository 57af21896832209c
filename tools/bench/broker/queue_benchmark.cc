// An SQS standard queue: send + receive + delete of 100-byte messages with the queue
// already holding 1k, 100k or 1M messages. The cost must stay flat as the queue grows
// (no O(n) step). Peer: the same three steps on a std::deque of strings with a
// std::unordered_map of in-flight messages, the minimal structure a queue needs.
// Compare ratios; absolute times drift on a shared machine.
#include <benchmark/benchmark.h>

#include <deque>
#include <string>
#include <unordered_map>

#include "core/broker/standard_queue.h"
#include "core/time/virtual_time.h"

namespace {

using sluice::broker::QueueConfig;
using sluice::broker::ReceivedMessage;
using sluice::broker::StandardQueue;

const std::string kBody(100, 'x');

void BM_StandardQueue_SendReceiveDelete(benchmark::State& state) {
  sluice::time::VirtualTime time;
  QueueConfig config;
  config.max_messages = 2'000'000;
  StandardQueue queue("bench", config, time, sluice::time::Prng(1));
  for (std::int64_t i = 0; i < state.range(0); ++i) {
    if (!queue.send({.body = kBody}).ok()) return state.SkipWithError("could not fill the queue");
  }
  for (auto _ : state) {
    if (!queue.send({.body = kBody}).ok()) return state.SkipWithError("send failed");
    auto batch = queue.receive_now({});
    if (!batch.ok() || batch->empty()) return state.SkipWithError("receive failed");
    benchmark::DoNotOptimize(queue.delete_message((*batch)[0].receipt_handle));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_StandardQueue_SendReceiveDelete)->Arg(1'000)->Arg(100'000)->Arg(1'000'000)->Unit(benchmark::kNanosecond);

void BM_Peer_DequeAndMap_SendReceiveDelete(benchmark::State& state) {
  std::deque<std::pair<std::uint64_t, std::string>> visible;
  std::unordered_map<std::uint64_t, std::string> in_flight;
  std::uint64_t next = 0;
  for (std::int64_t i = 0; i < state.range(0); ++i) visible.emplace_back(++next, kBody);
  for (auto _ : state) {
    visible.emplace_back(++next, kBody);
    auto [id, body] = std::move(visible.front());
    visible.pop_front();
    in_flight.emplace(id, std::move(body));
    in_flight.erase(id);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Peer_DequeAndMap_SendReceiveDelete)->Arg(1'000)->Arg(100'000)->Arg(1'000'000)->Unit(benchmark::kNanosecond);

}  // namespace
