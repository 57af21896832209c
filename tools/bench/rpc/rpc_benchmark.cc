// CheckStock over REST/JSON and over gRPC on loopback, against nginx serving a static
// JSON file of the same size as the REST answer (a ceiling for any HTTP/1.1 server),
// with 1 and 32 concurrent clients; and the JSON vs protobuf encode+decode cost alone.
// The article says gRPC is about 30% faster on serialization; this measures it on our
// services. Servers run in this process (REST on one asio thread, gRPC on its own
// threads) without logs or metrics; nginx runs with one worker and no access log.
// Each client keeps its connection (HTTP keep-alive, one gRPC channel).
// BM_RestCheckStock_Shedding is the same REST server with load shedding on (an
// AdaptiveLimiter whose floor is above 32, so nothing is refused): the cost of
// admission on the fast path.
// Compare ratios; absolute times drift on a shared machine.
#include <benchmark/benchmark.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <asio.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "native/proto/inventory.grpc.pb.h"
#include "core/resilience/adaptive_limiter.h"
#include "native/runtime/asio_scheduler.h"
#include "native/runtime/http_server.h"
#include "native/services/inventory/inventory_api.h"
#include "native/services/inventory/stock_store.h"

namespace {

using namespace sluice::native;

// never_below_64: a limiter config that admits the benchmark's 32 clients even while
// it probes for its latency floor.
sluice::resilience::AdaptiveLimiterConfig never_below_64() {
  sluice::resilience::AdaptiveLimiterConfig config;
  config.min_limit = 64;
  config.initial_limit = config.max_limit = 1000;
  return config;
}

// Servers: started once, on first use, for the whole run.
class Servers {
 public:
  static Servers& get() {
    static Servers servers;
    return servers;
  }

  std::uint16_t rest_port() const { return rest_port_; }
  std::uint16_t shedding_rest_port() const { return shedding_rest_port_; }
  int grpc_port() const { return grpc_port_; }
  std::uint16_t nginx_port() const { return nginx_port_; }
  const std::string& nginx_error() const { return nginx_error_; }
  std::shared_ptr<grpc::Channel> channel() { return channel_; }

  ~Servers() {
    if (nginx_pid_ > 0) {
      kill(nginx_pid_, SIGTERM);
      waitpid(nginx_pid_, nullptr, 0);
    }
    grpc_server_->Shutdown(std::chrono::system_clock::now());
    asio::post(io_, [this] {
      http_.reset();
      shedding_http_.reset();
    });
    work_.reset();
    thread_.join();
  }

 private:
  Servers() : store_(*StockStore::open(":memory:")), grpc_service_(*store_), work_(asio::make_work_guard(io_)) {
    static_cast<void>(add_inventory_routes(router_, *store_));
    http_ = *HttpServer::start(io_, router_, {});
    rest_port_ = http_->port();
    shedding_http_ = *HttpServer::start(io_, router_, {.limiter = &limiter_});
    shedding_rest_port_ = shedding_http_->port();
    thread_ = std::thread([this] { io_.run(); });
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &grpc_port_);
    builder.RegisterService(&grpc_service_);
    grpc_server_ = builder.BuildAndStart();
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(grpc_port_), grpc::InsecureChannelCredentials());
    start_nginx();
  }

  // nginx with one worker, serving the same bytes the REST endpoint answers.
  void start_nginx() {
    const char* tmp = std::getenv("TMPDIR");
    const std::string dir =
        std::string(tmp == nullptr ? "/tmp" : tmp) + "/sluice-bench-nginx-" + std::to_string(getpid());
    std::filesystem::create_directories(dir + "/html/api/stock");
    std::ofstream(dir + "/html/api/stock/SKU-123") << R"({"in_stock":true,"productId":"SKU-123","quantity":42})";
    asio::io_context io;
    asio::ip::tcp::acceptor probe(io, {asio::ip::make_address("127.0.0.1"), 0});
    nginx_port_ = probe.local_endpoint().port();
    probe.close();
    std::ofstream(dir + "/nginx.conf")
        << "worker_processes 1; pid " << dir << "/nginx.pid; error_log " << dir << "/error.log;\n"
        << "events { worker_connections 1024; }\n"
        << "http { access_log off; default_type application/json; keepalive_requests 1000000;\n"
        << "  client_body_temp_path " << dir << "; proxy_temp_path " << dir << "; fastcgi_temp_path " << dir
        << "; uwsgi_temp_path " << dir << "; scgi_temp_path " << dir << ";\n"
        << "  server { listen 127.0.0.1:" << nginx_port_ << "; root " << dir << "/html; } }\n";
    nginx_pid_ = fork();
    if (nginx_pid_ == 0) {
      const std::string conf = dir + "/nginx.conf";
      execl("/usr/sbin/nginx", "nginx", "-c", conf.c_str(), "-p", dir.c_str(), "-g", "daemon off;", nullptr);
      _exit(127);
    }
    for (int i = 0; i < 200; ++i) {  // up to 2 s for nginx to listen
      asio::ip::tcp::socket socket(io);
      asio::error_code error;
      socket.connect({asio::ip::make_address("127.0.0.1"), nginx_port_}, error);
      if (!error) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    nginx_error_ = "nginx did not start (is Debian's nginx installed? tools/bazel installs it)";
  }

  std::unique_ptr<StockStore> store_;
  Router router_;
  InventoryGrpcService grpc_service_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::unique_ptr<HttpServer> http_;
  sluice::resilience::AdaptiveLimiter limiter_{"bench", never_below_64(), steady_time_source(), 1};
  std::unique_ptr<HttpServer> shedding_http_;
  std::thread thread_;
  std::uint16_t rest_port_ = 0;
  std::uint16_t shedding_rest_port_ = 0;
  int grpc_port_ = 0;
  std::unique_ptr<grpc::Server> grpc_server_;
  std::shared_ptr<grpc::Channel> channel_;
  pid_t nginx_pid_ = -1;
  std::uint16_t nginx_port_ = 0;
  std::string nginx_error_;
};

// Latencies: per-iteration times of one benchmark thread, reported as percentiles.
class Latencies {
 public:
  void add(std::chrono::steady_clock::duration d) {
    values_.push_back(std::chrono::duration<double, std::micro>(d).count());
  }
  void report(benchmark::State& state) {
    if (values_.empty()) return;
    std::sort(values_.begin(), values_.end());
    state.counters["p50_us"] = benchmark::Counter(values_[values_.size() / 2], benchmark::Counter::kAvgThreads);
    state.counters["p99_us"] = benchmark::Counter(values_[values_.size() * 99 / 100], benchmark::Counter::kAvgThreads);
  }

 private:
  std::vector<double> values_;
};

// One keep-alive GET per iteration, reading exactly one response.
void http_get_loop(benchmark::State& state, std::uint16_t port) {
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  socket.connect({asio::ip::make_address("127.0.0.1"), port});
  socket.set_option(asio::ip::tcp::no_delay(true));
  const std::string request = "GET /api/stock/SKU-123 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  std::string buffer;
  Latencies latencies;
  for (auto _ : state) {
    const auto started = std::chrono::steady_clock::now();
    asio::write(socket, asio::buffer(request));
    buffer.clear();
    std::size_t body_end = std::string::npos;
    while (body_end == std::string::npos || buffer.size() < body_end) {
      char chunk[4096];
      const std::size_t n = socket.read_some(asio::buffer(chunk));
      buffer.append(chunk, n);
      const std::size_t head_end = buffer.find("\r\n\r\n");
      if (head_end == std::string::npos) continue;
      std::size_t at = buffer.find("Content-Length: ");
      if (at == std::string::npos) at = buffer.find("content-length: ");
      body_end = head_end + 4 + std::stoul(buffer.substr(at + 16));
    }
    latencies.add(std::chrono::steady_clock::now() - started);
    if (buffer.find("\"quantity\":42") == std::string::npos) state.SkipWithError("unexpected answer");
  }
  latencies.report(state);
  state.SetItemsProcessed(state.iterations());
}

void BM_RestCheckStock(benchmark::State& state) { http_get_loop(state, Servers::get().rest_port()); }
BENCHMARK(BM_RestCheckStock)->Threads(1)->Threads(32)->UseRealTime();

void BM_RestCheckStock_Shedding(benchmark::State& state) {
  http_get_loop(state, Servers::get().shedding_rest_port());
}
BENCHMARK(BM_RestCheckStock_Shedding)->Threads(1)->Threads(32)->UseRealTime();

void BM_NginxStaticJson(benchmark::State& state) {
  if (!Servers::get().nginx_error().empty()) return state.SkipWithError(Servers::get().nginx_error().c_str());
  http_get_loop(state, Servers::get().nginx_port());
}
BENCHMARK(BM_NginxStaticJson)->Threads(1)->Threads(32)->UseRealTime();

void BM_GrpcCheckStock(benchmark::State& state) {
  auto stub = inventory::InventoryService::NewStub(Servers::get().channel());
  inventory::StockRequest request;
  request.set_product_id("SKU-123");
  Latencies latencies;
  for (auto _ : state) {
    const auto started = std::chrono::steady_clock::now();
    grpc::ClientContext context;
    inventory::StockResponse response;
    const grpc::Status status = stub->CheckStock(&context, request, &response);
    latencies.add(std::chrono::steady_clock::now() - started);
    if (!status.ok() || response.quantity() != 42) state.SkipWithError("unexpected answer");
  }
  latencies.report(state);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_GrpcCheckStock)->Threads(1)->Threads(32)->UseRealTime();

// Serialization alone: the StockResponse as JSON text and as protobuf, encoded then
// decoded, as each side of one call does.
void BM_JsonEncodeDecode(benchmark::State& state) {
  for (auto _ : state) {
    const std::string text = nlohmann::json{{"productId", "SKU-123"}, {"quantity", 42}, {"in_stock", true}}.dump();
    const nlohmann::json back = nlohmann::json::parse(text);
    benchmark::DoNotOptimize(back["quantity"].get<int>());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_JsonEncodeDecode);

void BM_ProtobufEncodeDecode(benchmark::State& state) {
  for (auto _ : state) {
    inventory::StockResponse response;
    response.set_product_id("SKU-123");
    response.set_quantity(42);
    response.set_in_stock(true);
    const std::string bytes = response.SerializeAsString();
    inventory::StockResponse back;
    back.ParseFromString(bytes);
    benchmark::DoNotOptimize(back.quantity());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ProtobufEncodeDecode);

}  // namespace
