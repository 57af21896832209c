// An SQS standard queue: send + receive + delete of 100-byte messages with the queue
// already holding 1k, 100k or 1M messages. The cost must stay flat as the queue grows
// (no O(n) step). Peer: the same three steps on a std::deque of strings with a
// std::unordered_map of in-flight messages, the minimal structure a queue needs.
// And topic-exchange routing against 1,000 bindings, and log append + fetch, below.
// Compare ratios; absolute times drift on a shared machine.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdlib>
#include <deque>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/broker/exchange_router.h"
#include "core/broker/in_memory_broker.h"
#include "core/broker/partitioned_log.h"
#include "core/broker/standard_queue.h"
#include "core/broker/synchronized_broker.h"
#include "core/time/virtual_time.h"

// Live heap bytes, for memory per message: each block remembers its size in a header.
// Per thread, so the threaded benchmarks do not race on it; the memory benchmark
// allocates and measures on one thread.
namespace {
thread_local std::int64_t live_heap_bytes = 0;
constexpr std::size_t kHeader = 16;  // keeps the block's alignment
}  // namespace

// Replaced global allocation functions. GCC cannot see that a replaced operator new
// and delete built on malloc and free match, and warns.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

void* operator new(std::size_t size) {
  auto* block = static_cast<char*>(std::malloc(size + kHeader));
  if (block == nullptr) throw std::bad_alloc();
  *reinterpret_cast<std::size_t*>(block) = size;
  live_heap_bytes += static_cast<std::int64_t>(size);
  return block + kHeader;
}
void operator delete(void* p) noexcept {
  if (p == nullptr) return;
  char* block = static_cast<char*>(p) - kHeader;
  live_heap_bytes -= static_cast<std::int64_t>(*reinterpret_cast<std::size_t*>(block));
  std::free(block);
}
void operator delete(void* p, std::size_t) noexcept { operator delete(p); }

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

// Heap bytes per queued 100-byte message, beyond the 100 bytes of body: what the
// queue's bookkeeping costs (id, attributes map, timers, indexes).
void BM_StandardQueue_MemoryPerMessage(benchmark::State& state) {
  constexpr int kMessages = 100'000;
  double overhead = 0;
  for (auto _ : state) {
    sluice::time::VirtualTime time;
    QueueConfig config;
    config.max_messages = kMessages;
    auto queue = std::make_unique<StandardQueue>("bench", config, time, sluice::time::Prng(1));
    const std::int64_t before = live_heap_bytes;
    for (int i = 0; i < kMessages; ++i) {
      if (!queue->send({.body = kBody}).ok()) return state.SkipWithError("send");
    }
    overhead = static_cast<double>(live_heap_bytes - before) / kMessages - static_cast<double>(kBody.size());
  }
  state.counters["overhead_bytes_per_message"] = overhead;
}
BENCHMARK(BM_StandardQueue_MemoryPerMessage)->Iterations(1)->Unit(benchmark::kMillisecond);

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
BENCHMARK(BM_Peer_DequeAndMap_SendReceiveDelete)
    ->Arg(1'000)
    ->Arg(100'000)
    ->Arg(1'000'000)
    ->Unit(benchmark::kNanosecond);

// ---- The same three steps through the MessageBroker façade, on 1 and 2 threads
// sharing one SynchronizedBroker (one lock around an InMemoryBroker), and the bare
// InMemoryBroker on 1 thread as the peer that pays no lock. Items per second are for
// all threads together (real time).

using sluice::broker::BrokerMessage;
using sluice::broker::InMemoryBroker;
using sluice::broker::MessageBroker;
using sluice::broker::SynchronizedBroker;
using sluice::time::VirtualTime;

// Send, receive (answered when time is run, here under `run_time`), delete.
template <typename RunTime>
bool send_receive_delete(MessageBroker& broker, RunTime&& run_time) {
  if (!broker.send("bench", {.body = kBody}).ok()) return false;
  std::optional<sluice::Result<std::vector<BrokerMessage>>> answer;
  broker.receive("bench", {.max_messages = 1, .wait = std::chrono::seconds(0)},
                 [&answer](sluice::Result<std::vector<BrokerMessage>> r) { answer = std::move(r); });
  // Another thread's run may deliver it; either way it has arrived once ours returns.
  const bool received = run_time([&] { return answer && answer->ok() && !(*answer)->empty(); });
  if (!received) return false;
  return broker.delete_message("bench", (**answer)[0].message.receipt_handle).ok();
}

bool fill(MessageBroker& broker, std::int64_t messages) {
  QueueConfig config;
  config.max_messages = 2'000'000;
  if (!broker.create_queue("bench", config).ok()) return false;
  for (std::int64_t i = 0; i < messages; ++i) {
    if (!broker.send("bench", {.body = kBody}).ok()) return false;
  }
  return true;
}

void BM_InMemoryBroker_SendReceiveDelete(benchmark::State& state) {
  VirtualTime time;
  InMemoryBroker broker(time, sluice::time::Prng(1));
  if (!fill(broker, state.range(0))) return state.SkipWithError("could not fill the queue");
  auto run_time = [&time](auto arrived) {
    time.run_for(std::chrono::seconds(0));
    return arrived();
  };
  for (auto _ : state) {
    if (!send_receive_delete(broker, run_time)) return state.SkipWithError("send+receive+delete failed");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_InMemoryBroker_SendReceiveDelete)->Arg(1'000)->Arg(100'000)->Arg(1'000'000)->Unit(benchmark::kNanosecond);

// Shared by the benchmark's threads: thread 0 sets it up before any thread enters the
// timed loop, and tears it down after all have left it.
struct SharedBroker {
  VirtualTime time;
  SynchronizedBroker broker{
      time, [](sluice::time::Scheduler& s) { return std::make_unique<InMemoryBroker>(s, sluice::time::Prng(1)); }};
};
std::unique_ptr<SharedBroker> shared_broker;

void BM_SynchronizedBroker_SendReceiveDelete(benchmark::State& state) {
  if (state.thread_index() == 0) {
    shared_broker = std::make_unique<SharedBroker>();
    if (!fill(shared_broker->broker, state.range(0))) state.SkipWithError("could not fill the queue");
  }
  SharedBroker& shared = *shared_broker;
  // VirtualTime is not thread-safe: it is run under the broker's lock.
  auto run_time = [&shared](auto arrived) {
    return shared.broker.locked([&] {
      shared.time.run_for(std::chrono::seconds(0));
      return arrived();
    });
  };
  for (auto _ : state) {
    // No break: the loop must end through its own check, which waits for the other thread.
    if (!send_receive_delete(shared.broker, run_time)) state.SkipWithError("send+receive+delete failed");
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) shared_broker.reset();
}
BENCHMARK(BM_SynchronizedBroker_SendReceiveDelete)
    ->Arg(1'000)
    ->Arg(100'000)
    ->Arg(1'000'000)
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime()
    ->Unit(benchmark::kNanosecond);

// ---- Topic routing: a publish of "svc41.created.us" against 1,000 topic bindings
// ("svc<i>.*.<region>", "svc<i>.#", ...), of which two match. Peer: checking every
// binding's pattern, as a naive router would.

std::vector<std::string> words(const std::string& key) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t dot = key.find('.', start);
    out.push_back(key.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) return out;
    start = dot + 1;
  }
}

bool matches(const std::vector<std::string>& p, std::size_t i, const std::vector<std::string>& w, std::size_t j) {
  if (i == p.size()) return j == w.size();
  if (p[i] == "#") {
    for (std::size_t k = j; k <= w.size(); ++k) {
      if (matches(p, i + 1, w, k)) return true;
    }
    return false;
  }
  return j < w.size() && (p[i] == "*" || p[i] == w[j]) && matches(p, i + 1, w, j + 1);
}

std::vector<std::string> thousand_binding_keys() {
  std::vector<std::string> keys;
  const char* regions[] = {"eu", "us", "ap", "sa"};
  for (int i = 0; i < 250; ++i) {
    const std::string service = "svc" + std::to_string(i);
    keys.push_back(service + ".*." + regions[i % 4]);
    keys.push_back(service + ".#");
    keys.push_back(service + ".created." + regions[(i + 1) % 4]);
    keys.push_back("#." + std::string(regions[i % 4]) + ".svc" + std::to_string(i));
  }
  return keys;
}

void BM_TopicRoute_1000Bindings(benchmark::State& state) {
  sluice::broker::ExchangeRouter router;
  if (!router.declare_exchange("events", sluice::broker::ExchangeType::kTopic).ok())
    return state.SkipWithError("declare");
  const std::vector<std::string> keys = thousand_binding_keys();
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (!router.bind("q" + std::to_string(i), "events", keys[i]).ok()) return state.SkipWithError("bind");
  }
  std::size_t routed = 0;
  for (auto _ : state) routed += router.route("events", "svc41.created.us", {})->size();
  if (routed != 2 * static_cast<std::size_t>(state.iterations())) state.SkipWithError("wrong queues");
}
BENCHMARK(BM_TopicRoute_1000Bindings);

void BM_Peer_CheckEveryBinding_1000Bindings(benchmark::State& state) {
  std::vector<std::vector<std::string>> patterns;
  for (const std::string& key : thousand_binding_keys()) patterns.push_back(words(key));
  std::size_t routed = 0;
  for (auto _ : state) {
    const std::vector<std::string> key = words("svc41.created.us");
    for (const auto& pattern : patterns) routed += matches(pattern, 0, key, 0);
  }
  if (routed != 2 * static_cast<std::size_t>(state.iterations())) state.SkipWithError("wrong queues");
}
BENCHMARK(BM_Peer_CheckEveryBinding_1000Bindings);

// ---- Log append + fetch of one 100-byte keyed record, the partition holding 1M
// records, with retention trimming it back. Peer: std::deque push_back + indexed read.

void BM_Log_AppendFetch(benchmark::State& state) {
  sluice::time::VirtualTime time;
  sluice::broker::Topic topic("bench", {.partitions = 1, .retention_time = {}, .retention_bytes = 100'000'000}, time);
  for (int i = 0; i < 1'000'000; ++i) {
    if (!topic.append({.key = "k", .value = kBody}).ok()) return state.SkipWithError("fill");
  }
  std::int64_t offset = 0;
  for (auto _ : state) {
    offset = topic.append({.key = "k", .value = kBody})->offset;
    benchmark::DoNotOptimize(topic.fetch(0, offset, 1)->size());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Log_AppendFetch);

void BM_Peer_Deque_AppendRead(benchmark::State& state) {
  std::deque<std::pair<std::int64_t, std::string>> log;
  for (int i = 0; i < 1'000'000; ++i) log.emplace_back(i, kBody);
  for (auto _ : state) {
    log.emplace_back(static_cast<std::int64_t>(log.size()), kBody);
    benchmark::DoNotOptimize(log[log.size() - 1].second.size());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Peer_Deque_AppendRead);

}  // namespace
