// Three-step sagas (the article's CreateOrderSaga) run to completion, participants
// answering at once, so the figure is the orchestrator's own cost.
//
// In memory: SagaRunner with InMemorySagaLog, against the article's orchestrator
// written plainly in C++ (call each step, merge its output, no log, no retries, no
// timers) as the peer.
// Durable: SagaRunner with SqliteSagaLog (WAL, synchronous=FULL: an fsync per commit),
// flushing once per batch of sagas, against raw SQLite doing the same number of
// commits with as many rows of the same size: if the two are close, the cost is the
// fsyncs, not our code. The database lives in $SLUICE_BENCH_DB_DIR (default /var/tmp), which must
// be a real disk for fsync to mean anything.
// Compare ratios; absolute times drift on a shared machine.
#include <benchmark/benchmark.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <memory>
#include <new>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/saga/saga_runner.h"
#include "core/time/virtual_time.h"
#include "native/saga/sqlite_saga_log.h"
#include "native/sqlite/sqlite_db.h"
#include "tools/bench/bench_db_dir.h"

// Heap allocations, counted through replaced global operator new, so the benchmark can
// report allocations per saga beside the time.
namespace {
std::int64_t allocations = 0;
}  // namespace

// GCC cannot see that a replaced operator new and delete built on malloc and free match.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

void* operator new(std::size_t size) {
  ++allocations;
  void* block = std::malloc(size == 0 ? 1 : size);
  if (block == nullptr) throw std::bad_alloc();
  return block;
}
void operator delete(void* block) noexcept { std::free(block); }
void operator delete(void* block, std::size_t) noexcept { std::free(block); }

namespace sluice::saga {
namespace {

using nlohmann::json;

SagaDefinition create_order_saga() {
  SagaDefinition d{.name = "CreateOrderSaga"};
  d.steps.push_back({.name = "reserve_stock", .action = "reserveStock", .compensation = "releaseStock"});
  d.steps.push_back({.name = "charge_payment", .action = "charge", .compensation = "refund"});
  d.steps.push_back({.name = "confirm_order", .action = "confirmOrder", .kind = StepKind::kPivot});
  return d;
}

json output_of(std::string_view target) {
  if (target == "reserveStock") return {{"reservationId", "r-1"}};
  if (target == "charge") return {{"paymentId", "p-1"}};
  return nullptr;
}

json order_input(std::int64_t i) { return {{"orderId", i}, {"userId", "u-1"}, {"total", 99.5}}; }

// In memory, each answer given from inside the handler, so one start() runs a saga.
// With data: the article's input and outputs. Without: no input and null outputs, the
// state machine and its log alone.
void BM_SagaInMemory(benchmark::State& state) {
  const bool with_data = state.range(0) == 1;
  time::VirtualTime time;
  InMemorySagaLog log;
  SagaRunner* self = nullptr;
  SagaRunner runner(time, log, time::Prng(1), [&](const SagaCommand& c) {
    static_cast<void>(self->on_result(StepResult::success(c, with_data ? output_of(c.target) : json())));
  });
  self = &runner;
  static_cast<void>(runner.register_definition(create_order_saga()));
  std::int64_t i = 0;
  const std::int64_t allocations_before = allocations;
  for (auto _ : state) {
    static_cast<void>(
        runner.start("CreateOrderSaga", "order-" + std::to_string(i), with_data ? order_input(i) : json()));
    if (++i % 64 == 0) static_cast<void>(runner.forget_finished());
  }
  if (runner.unfinished() != 0) state.SkipWithError("a saga did not finish");
  state.SetItemsProcessed(state.iterations());
  state.counters["allocs_per_saga"] = static_cast<double>(allocations - allocations_before) / static_cast<double>(i);
}
BENCHMARK(BM_SagaInMemory)->ArgName("with_data")->Arg(1)->Arg(0);

// The peer: the article's orchestrator loop, in C++.
void BM_ArticleOrchestratorPeer(benchmark::State& state) {
  const bool with_data = state.range(0) == 1;
  struct Step {
    std::function<json(const json&)> execute;
  };
  const std::vector<Step> steps = {{[&](const json&) { return with_data ? output_of("reserveStock") : json(); }},
                                   {[&](const json&) { return with_data ? output_of("charge") : json(); }},
                                   {[&](const json&) { return with_data ? output_of("confirmOrder") : json(); }}};
  std::int64_t i = 0;
  const std::int64_t allocations_before = allocations;
  for (auto _ : state) {
    json data = with_data ? order_input(i) : json::object();
    ++i;
    std::string id = "order-" + std::to_string(i);
    std::vector<const Step*> completed;
    for (const Step& step : steps) {
      json result = step.execute(data);
      if (result.is_object()) data.update(result);
      completed.push_back(&step);
    }
    benchmark::DoNotOptimize(data);
    benchmark::DoNotOptimize(id);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["allocs_per_saga"] = static_cast<double>(allocations - allocations_before) / static_cast<double>(i);
}
BENCHMARK(BM_ArticleOrchestratorPeer)->ArgName("with_data")->Arg(1)->Arg(0);

std::string fresh_db(const std::string& name) {
  const std::string path = bench::db_dir() + "/sluice-bench-" + name + "-" + std::to_string(::getpid()) + ".db";
  for (const char* suffix : {"", "-wal", "-shm"}) ::unlink((path + suffix).c_str());
  return path;
}

void remove_db(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm"}) ::unlink((path + suffix).c_str());
}

// Durable: `batch` sagas started, then flush / answer / flush until all are done.
void BM_SagaSqlite(benchmark::State& state) {
  const auto batch = static_cast<std::int64_t>(state.range(0));
  const std::string path = fresh_db("saga");
  auto log = *native::SqliteSagaLog::open(path);
  time::VirtualTime time;
  std::vector<StepResult> answers;
  SagaRunner runner(time, *log, time::Prng(1),
                    [&](const SagaCommand& c) { answers.push_back(StepResult::success(c, output_of(c.target))); },
                    nullptr, {.auto_flush = false});
  static_cast<void>(runner.register_definition(create_order_saga()));
  std::int64_t i = 0;
  for (auto _ : state) {
    for (std::int64_t b = 0; b < batch; ++b, ++i) {
      static_cast<void>(runner.start("CreateOrderSaga", "order-" + std::to_string(i), order_input(i)));
    }
    while (runner.unfinished() != 0 || !answers.empty()) {
      static_cast<void>(runner.flush());
      std::vector<StepResult> now;
      now.swap(answers);
      for (StepResult& answer : now) static_cast<void>(runner.on_result(std::move(answer)));
      if (now.empty()) static_cast<void>(runner.flush());  // the final records
    }
    static_cast<void>(runner.forget_finished());
  }
  state.SetItemsProcessed(state.iterations() * batch);
  state.counters["fsyncs_per_saga"] = static_cast<double>(log->commits()) / static_cast<double>(i);
  log.reset();
  remove_db(path);
}
BENCHMARK(BM_SagaSqlite)->Arg(1)->Arg(16)->Arg(256)->UseRealTime();

// The peer: raw SQLite, the same commits per batch (a three-step saga's batch takes
// four: start, after each of the first two answers, after the last) and the same
// rows (eight records of about 120 bytes per saga), nothing else.
void BM_RawSqliteCommitsPeer(benchmark::State& state) {
  const auto batch = static_cast<std::int64_t>(state.range(0));
  const std::string path = fresh_db("raw");
  auto db = *native::SqliteDb::open(path);
  static_cast<void>(db.exec("PRAGMA journal_mode=WAL"));
  static_cast<void>(db.exec("PRAGMA synchronous=FULL"));
  static_cast<void>(db.exec("CREATE TABLE t (seq INTEGER PRIMARY KEY AUTOINCREMENT, saga_id TEXT, record TEXT)"));
  auto insert = *db.prepare("INSERT INTO t (saga_id, record) VALUES (?1, ?2)");
  const std::string record(120, 'x');
  constexpr int kCommitsPerBatch = 4;
  constexpr int kRecordsPerSaga = 8;
  std::int64_t commits = 0;
  std::int64_t i = 0;
  for (auto _ : state) {
    for (int c = 0; c < kCommitsPerBatch; ++c) {
      static_cast<void>(db.exec("BEGIN IMMEDIATE"));
      for (std::int64_t r = 0; r < batch * kRecordsPerSaga / kCommitsPerBatch; ++r) {
        insert.bind(1, "order-" + std::to_string(i + r / 2));
        insert.bind(2, record);
        static_cast<void>(insert.run());
      }
      static_cast<void>(db.exec("COMMIT"));
      ++commits;
    }
    i += batch;
  }
  state.SetItemsProcessed(state.iterations() * batch);
  state.counters["fsyncs_per_saga"] = static_cast<double>(commits) / static_cast<double>(i);
  remove_db(path);
}
BENCHMARK(BM_RawSqliteCommitsPeer)->Arg(1)->Arg(16)->Arg(256)->UseRealTime();

}  // namespace
}  // namespace sluice::saga
