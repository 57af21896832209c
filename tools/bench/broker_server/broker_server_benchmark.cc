// The SQS endpoint end to end over HTTP keep-alive on loopback: each iteration sends a
// batch of 10 100-byte messages (SendMessageBatch), receives 10 (ReceiveMessage) and
// deletes them (DeleteMessageBatch), with 1, 4 and 16 connections, each on its own
// queue. items_per_second counts messages through all three steps; p50/p99 are per
// SQS call. The server runs in this process on one asio thread, without logs or
// metrics. The peer in the same run is the same steps on the core broker called
// directly. Compare ratios; absolute times drift on a shared machine.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <asio.hpp>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>
#include <vector>

#include "core/broker/in_memory_broker.h"
#include "core/time/virtual_time.h"
#include "native/broker_server/sqlite_broker_journal.h"
#include "native/broker_server/sqs_api.h"
#include "native/runtime/asio_scheduler.h"
#include "native/runtime/group_commit.h"
#include "native/runtime/http_server.h"
#include "tools/bench/bench_db_dir.h"
#include "tools/bench/sqs_bench_client.h"

namespace {

using nlohmann::json;
using namespace sluice::native;

// Server: the SQS endpoint on its own thread; durable ones keep a journal (as
// --data_dir does) in a fresh directory and hold replies for its group commits.
class Server {
 public:
  static Server& in_memory() {
    static Server server(false);
    return server;
  }
  static Server& durable() {
    static Server server(true);
    return server;
  }
  std::uint16_t port() const { return port_; }

  ~Server() {
    asio::post(io_, [this] {
      http_.reset();
      io_.stop();
    });
    thread_.join();
    if (!directory_.empty()) std::filesystem::remove_all(directory_);
  }

 private:
  explicit Server(bool durable) : scheduler_(io_), broker_(scheduler_, sluice::time::Prng(1)) {
    http_ = *HttpServer::start(io_, router_, {.limits = SqsApi::kHttpLimits, .max_connections = 4096});
    port_ = http_->port();
    sqs_ = std::make_unique<SqsApi>(broker_, scheduler_, "http://127.0.0.1:" + std::to_string(port_));
    static_cast<void>(sqs_->add_routes(router_));
    if (durable) {
      std::string pattern = sluice::bench::db_dir() + "/sluice-broker-bench-XXXXXX";
      directory_ = mkdtemp(pattern.data());
      journal_ = *SqliteBrokerJournal::open(directory_ + "/broker.db", scheduler_);
      static_cast<void>(journal_->restore(broker_));
      commits_.emplace(io_, GroupCommit::Options{.uncommitted = [this] { return journal_->has_uncommitted(); },
                                                 .commit = [this] { return journal_->commit(); },
                                                 .on_failure =
                                                     [](const sluice::Status& s) {
                                                       std::fprintf(stderr, "journal failed: %s\n",
                                                                    s.message().c_str());
                                                       std::abort();
                                                     }});
      router_.wrap([this](Handler handler) { return commits_->hold(std::move(handler)); });
    }
    thread_ = std::thread([this] { io_.run(); });
  }

  asio::io_context io_;
  AsioScheduler scheduler_;
  sluice::broker::InMemoryBroker broker_;
  Router router_;
  std::unique_ptr<HttpServer> http_;
  std::unique_ptr<SqsApi> sqs_;
  std::string directory_;
  std::unique_ptr<SqliteBrokerJournal> journal_;
  std::optional<GroupCommit> commits_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

// Client: SqsBenchClient, with the per-call percentiles as counters.
class Client : public sluice::bench::SqsBenchClient {
 public:
  using SqsBenchClient::SqsBenchClient;

  void report(benchmark::State& state) {
    std::vector<double>& all = latencies();
    std::sort(all.begin(), all.end());
    if (all.empty()) return;
    state.counters["p50_us"] = benchmark::Counter(all[all.size() / 2], benchmark::Counter::kAvgThreads);
    state.counters["p99_us"] = benchmark::Counter(all[all.size() * 99 / 100], benchmark::Counter::kAvgThreads);
  }
};

std::atomic<int> next_queue{0};

void send_receive_delete_batches(benchmark::State& state, Server& server) {
  Client client(server.port());
  const std::string name = "bench-" + std::to_string(next_queue++);
  const json created = client.call("CreateQueue", {{"QueueName", name}});
  const std::string url = created["QueueUrl"];
  json entries = json::array();
  for (int i = 0; i < 10; ++i)
    entries.push_back({{"Id", "m" + std::to_string(i)}, {"MessageBody", std::string(100, 'x')}});
  const std::string send = json{{"QueueUrl", url}, {"Entries", entries}}.dump();
  const std::string receive = json{{"QueueUrl", url}, {"MaxNumberOfMessages", 10}}.dump();
  const std::string delete_prefix = R"({"QueueUrl":")" + url + R"(","Entries":[)";
  std::int64_t messages = 0;
  for (auto _ : state) {
    client.call_raw("SendMessageBatch", send);
    const std::string received = client.call_raw("ReceiveMessage", receive);
    std::string deletes = delete_prefix;
    int count = 0;
    for (const std::string& handle : Client::values_of(received, "ReceiptHandle")) {
      if (count > 0) deletes += ',';
      deletes += R"({"Id":"d)" + std::to_string(count++) + R"(","ReceiptHandle":")" + handle + R"("})";
    }
    deletes += "]}";
    if (count > 0) client.call_raw("DeleteMessageBatch", deletes);
    messages += count;
  }
  client.report(state);
  state.SetItemsProcessed(messages);
}

void BM_SendReceiveDeleteBatches(benchmark::State& state) { send_receive_delete_batches(state, Server::in_memory()); }
BENCHMARK(BM_SendReceiveDeleteBatches)->Threads(1)->Threads(4)->Threads(16)->UseRealTime();

// The same with --data_dir's journal (in $SLUICE_BENCH_DB_DIR or /var/tmp): every reply waits for its commit (an fsync),
// shared by the requests of one event-loop turn.
void BM_SendReceiveDeleteBatchesDurable(benchmark::State& state) {
  send_receive_delete_batches(state, Server::durable());
}
BENCHMARK(BM_SendReceiveDeleteBatchesDurable)->Threads(1)->Threads(4)->Threads(16)->UseRealTime();

// The peer: the same three steps on the same core broker called directly, in one
// thread on virtual time: no HTTP, no JSON, no second thread. The ratio is what the
// network protocol costs.
void BM_SameStepsOnTheBrokerDirectly(benchmark::State& state) {
  sluice::time::VirtualTime time;
  sluice::broker::InMemoryBroker broker(time, sluice::time::Prng(1));
  static_cast<void>(broker.create_queue("bench", {}));
  const std::string body(100, 'x');
  std::int64_t messages = 0;
  for (auto _ : state) {
    for (int i = 0; i < 10; ++i) static_cast<void>(broker.send("bench", {.body = body}));
    std::vector<sluice::broker::BrokerMessage> received;
    broker.receive("bench", {.max_messages = 10},
                   [&](sluice::Result<std::vector<sluice::broker::BrokerMessage>> r) { received = *std::move(r); });
    time.run_for(std::chrono::seconds(0));
    for (const auto& m : received) static_cast<void>(broker.delete_message("bench", m.message.receipt_handle));
    messages += static_cast<std::int64_t>(received.size());
  }
  state.SetItemsProcessed(messages);
}
BENCHMARK(BM_SameStepsOnTheBrokerDirectly);

}  // namespace
