// load: places orders against the example system at a steady rate (open loop: a slow
// answer does not slow the sending), shows progress, then reports throughput, the
// latency percentiles of accepted and of refused (shed, 503) POSTs apart, and how the
// sagas ended; --json prints that report as one JSON object. --faults sets faults on services
// through their admin endpoints while it runs, so breakers trip and recover as you
// watch the stack's table.
//
//   tools/bazel run //tools/load -- --rate=200 --duration=30s
//   tools/bazel run //tools/load -- --faults=inventory:latency_ms=3000@10s-20s
#include <absl/flags/flag.h>
#include <unistd.h>

#include <asio.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "core/base/duration_text.h"
#include "native/cli/cli.h"
#include "native/runtime/http_client.h"
#include "tools/load/fault_plan.h"
#include "tools/load/load_report.h"

ABSL_FLAG(std::string, order, "127.0.0.1:3001", "The order service (host:port).");
ABSL_FLAG(std::string, inventory, "127.0.0.1:3000", "The inventory service, for --faults.");
ABSL_FLAG(std::string, payment, "127.0.0.1:3002", "The payment service, for --faults.");
ABSL_FLAG(double, rate, 200, "Orders per second.");
ABSL_FLAG(std::string, duration, "30s", "How long to send for (30s, 2m, 500ms).");
ABSL_FLAG(double, decline_ratio, 0.1, "Share of orders paid with a card ending in 0000 (declined, so compensated).");
ABSL_FLAG(std::string, faults, "",
          "Faults to set while sending: SERVICE:latency_ms=N@FROM-TO or "
          "SERVICE:error_rate=R@FROM-TO, comma-separated (services: inventory, payment).");
ABSL_FLAG(std::string, settle, "30s", "How long to wait, after sending, for the sagas to finish.");
ABSL_FLAG(int, connections, 64, "Connections to the order service at most.");
ABSL_FLAG(bool, json, false,
          "Print the report as one JSON object (accepted, refused, sagas, offered_rate, seconds, ...) "
          "instead of text.");

namespace {

using nlohmann::json;
using sluice::native::HttpClient;
using sluice::native::HttpClientResponse;
using sluice::native::HttpRequest;
using Clock = std::chrono::steady_clock;

int fail(const std::string& message) {
  std::cerr << "load: " << message << "\n";
  return 2;
}

HttpRequest request(std::string method, std::string target, std::string body = "") {
  HttpRequest r;
  r.method = std::move(method);
  r.path = target;
  r.target = std::move(target);
  r.body = std::move(body);
  if (!r.body.empty()) r.headers = {{"content-type", "application/json"}};
  return r;
}

class LoadRun {
 public:
  LoadRun(asio::io_context& io, HttpClient& order, std::map<std::string, HttpClient*> admin,
          std::vector<sluice::load::FaultWindow> faults)
      : io_(io), order_(order), admin_(std::move(admin)), faults_(std::move(faults)), tick_(io), progress_(io) {}

  void run(double rate, Clock::duration duration, double decline_ratio, Clock::duration settle) {
    rate_ = rate;
    report_.offered_rate = rate;
    duration_ = duration;
    decline_ratio_ = decline_ratio;
    settle_ = settle;
    started_ = Clock::now();
    for (const auto& window : faults_) schedule_fault(window);
    tick();
    show_progress();
  }

  sluice::load::LoadReport& report() { return report_; }

 private:
  void tick() {
    const double elapsed = std::chrono::duration<double>(Clock::now() - started_).count();
    const double total = std::chrono::duration<double>(duration_).count();
    const auto due = static_cast<std::uint64_t>(std::min(elapsed, total) * rate_);
    while (sent_ < due) send_one();
    if (elapsed >= total) {
      report_.seconds = total;
      sending_done_ = true;
      progress_.cancel();
      print_progress(total, total);  // the full bar, whatever the timer's phase
      return maybe_settle();
    }
    tick_.expires_after(std::chrono::milliseconds(5));
    tick_.async_wait([this](const asio::error_code& e) {
      if (!e) tick();
    });
  }

  void send_one() {
    ++sent_;
    ++in_flight_;
    const bool decline = uniform_(prng_) < decline_ratio_;
    const json body = {{"userId", "usr_" + std::to_string(sent_ % 1000)},
                       {"items", {{{"productId", "SKU-BULK"}, {"quantity", 1}}}},
                       {"total", 19.99},
                       {"card", decline ? "4000000000000000" : "4242424242424242"}};
    const Clock::time_point started = Clock::now();
    order_.request(request("POST", "/api/orders", body.dump()), [this, started](sluice::Result<HttpClientResponse> r) {
      --in_flight_;
      if (!r.ok()) {
        report_.add_answer(0, 0);
      } else {
        report_.add_answer(r->status, std::chrono::duration<double, std::milli>(Clock::now() - started).count());
        if (r->status == 201) {
          const json answer = json::parse(r->body, nullptr, false);
          if (answer.is_object()) {
            orders_.push_back(answer.value("orderId", ""));
            if (answer.value("stockCheck", "") == "fallback") ++report_.fallback_stock_checks;
          }
        }
      }
      maybe_settle();
    });
  }

  void show_progress() {
    if (sending_done_) return;
    const double elapsed = std::chrono::duration<double>(Clock::now() - started_).count();
    const double total = std::chrono::duration<double>(duration_).count();
    // On a terminal the bar redraws every second; in a log, a line every 5 s.
    if (::isatty(STDERR_FILENO) || static_cast<int>(elapsed) % 5 == 0) print_progress(elapsed, total);
    progress_.expires_after(std::chrono::seconds(1));
    progress_.async_wait([this](const asio::error_code& e) {
      if (!e) show_progress();
    });
  }

  void print_progress(double elapsed, double total) {
    const std::string bar = sluice::load::progress_bar(elapsed, total, sent_);
    if (::isatty(STDERR_FILENO)) {
      std::cerr << "\r" << bar << (sending_done_ ? "\n" : "") << std::flush;
    } else {
      std::cerr << bar << "\n";
    }
  }

  void schedule_fault(const sluice::load::FaultWindow& window) {
    HttpClient* admin = admin_.at(window.service);
    auto set = std::make_shared<asio::steady_timer>(io_, started_ + window.from);
    set->async_wait([this, admin, window, set](const asio::error_code& e) {
      if (e) return;
      const json fault = window.setting == "latency_ms" ? json{{"route", "*"}, {"latency_ms", window.value}}
                                                        : json{{"route", "*"}, {"error_rate", window.value}};
      admin->request(request("POST", "/admin/faults", fault.dump()), [window](sluice::Result<HttpClientResponse> r) {
        std::cerr << "\n[load] " << window.service << ": " << window.setting << "=" << window.value
                  << (r.ok() && r->status == 200 ? " set" : " could NOT be set (is it running with --enable_admin?)")
                  << "\n";
      });
    });
    auto clear = std::make_shared<asio::steady_timer>(io_, started_ + window.to);
    clear->async_wait([this, admin, window, clear](const asio::error_code& e) {
      if (e) return;
      admin->request(request("DELETE", "/admin/faults"), [window](sluice::Result<HttpClientResponse>) {
        std::cerr << "\n[load] " << window.service << ": faults cleared\n";
      });
    });
    timers_.push_back(set);
    timers_.push_back(clear);
  }

  // maybe_settle: once everything is sent and answered, follow the orders to their end.
  void maybe_settle() {
    if (!sending_done_ || in_flight_ > 0 || settling_) return;
    settling_ = true;
    settle_deadline_ = Clock::now() + settle_;
    std::cerr << "[load] waiting up to " << sluice::format_duration(settle_) << " for " << orders_.size()
              << " sagas to finish\n";
    poll_orders();
  }

  void poll_orders() {
    if (orders_.empty() || Clock::now() >= settle_deadline_) return finish();
    auto left = std::make_shared<std::size_t>(orders_.size());
    auto pending = std::make_shared<std::vector<std::string>>();
    for (const std::string& id : orders_) {
      order_.request(request("GET", "/api/orders/" + id),
                     [this, id, left, pending](sluice::Result<HttpClientResponse> r) {
                       const json order = r.ok() ? json::parse(r->body, nullptr, false) : json();
                       const std::string status = order.is_object() ? order.value("status", "") : "";
                       if (status == "CONFIRMED") {
                         ++report_.completed;
                       } else if (status == "CANCELLED") {
                         ++report_.compensated;
                       } else if (order.is_object() && order.contains("saga") &&
                                  order["saga"].value("state", "") == "FAILED_NEEDS_ATTENTION") {
                         ++report_.failed;
                       } else {
                         pending->push_back(id);
                       }
                       if (--*left > 0) return;
                       orders_ = *pending;
                       auto again = std::make_shared<asio::steady_timer>(io_, std::chrono::milliseconds(200));
                       again->async_wait([this, again](const asio::error_code&) { poll_orders(); });
                     });
    }
  }

  void finish() {
    report_.unfinished = orders_.size();
    for (auto& timer : timers_) timer->cancel();
    // Faults set by this run do not outlive it.
    for (const auto& window : faults_) {
      admin_.at(window.service)->request(request("DELETE", "/admin/faults"), [](sluice::Result<HttpClientResponse>) {});
    }
    auto stop = std::make_shared<asio::steady_timer>(io_, std::chrono::milliseconds(faults_.empty() ? 0 : 300));
    stop->async_wait([this, stop](const asio::error_code&) { io_.stop(); });
  }

  asio::io_context& io_;
  HttpClient& order_;
  std::map<std::string, HttpClient*> admin_;
  std::vector<sluice::load::FaultWindow> faults_;
  asio::steady_timer tick_;
  asio::steady_timer progress_;
  std::vector<std::shared_ptr<asio::steady_timer>> timers_;
  std::mt19937_64 prng_{std::random_device{}()};
  std::uniform_real_distribution<double> uniform_{0, 1};
  double rate_ = 0;
  double decline_ratio_ = 0;
  Clock::duration duration_{};
  Clock::duration settle_{};
  Clock::time_point started_;
  Clock::time_point settle_deadline_;
  std::uint64_t sent_ = 0;
  std::uint64_t in_flight_ = 0;
  bool sending_done_ = false;
  bool settling_ = false;
  std::vector<std::string> orders_;
  sluice::load::LoadReport report_;
};

}  // namespace

int main(int argc, char** argv) {
  sluice::native::parse_command_line(argc, argv,
                                     "Places orders against the example system and reports how they went.\n"
                                     "  tools/bazel run //tools/load -- --rate=200 --duration=30s\n"
                                     "  tools/bazel run //tools/load -- --faults=inventory:latency_ms=3000@10s-20s");
  const double rate = absl::GetFlag(FLAGS_rate);
  if (!(rate > 0 && rate <= 100000)) return fail("--rate must be from 0 to 100000 orders per second");
  const double decline = absl::GetFlag(FLAGS_decline_ratio);
  if (!(decline >= 0 && decline <= 1)) return fail("--decline_ratio must be from 0 to 1");
  sluice::Result<sluice::time::Duration> duration = sluice::parse_duration(absl::GetFlag(FLAGS_duration));
  if (!duration.ok() || *duration <= sluice::time::Duration::zero()) {
    return fail("--duration: " + (duration.ok() ? std::string("must be positive") : duration.status().message()));
  }
  sluice::Result<sluice::time::Duration> settle = sluice::parse_duration(absl::GetFlag(FLAGS_settle));
  if (!settle.ok()) return fail("--settle: " + settle.status().message());
  sluice::Result<std::vector<sluice::load::FaultWindow>> faults =
      sluice::load::parse_fault_plan(absl::GetFlag(FLAGS_faults));
  if (!faults.ok()) return fail(faults.status().message());
  const int connections = absl::GetFlag(FLAGS_connections);
  if (connections < 1 || connections > 4096) return fail("--connections must be from 1 to 4096");

  std::map<std::string, std::optional<sluice::native::HostPort>> targets = {
      {"order", sluice::native::parse_host_port(absl::GetFlag(FLAGS_order))},
      {"inventory", sluice::native::parse_host_port(absl::GetFlag(FLAGS_inventory))},
      {"payment", sluice::native::parse_host_port(absl::GetFlag(FLAGS_payment))}};
  for (const auto& [name, target] : targets) {
    if (!target) return fail("--" + name + " must be host:port");
  }
  for (const auto& window : *faults) {
    if (window.service != "inventory" && window.service != "payment") {
      return fail("--faults: no service \"" + window.service + "\" (inventory or payment)");
    }
  }

  asio::io_context io;
  const auto client = [&](const std::string& name, std::size_t max_connections) {
    return std::make_unique<HttpClient>(io, sluice::native::HttpClientOptions{.host = targets[name]->host,
                                                                              .port = targets[name]->port,
                                                                              .target_service = name,
                                                                              .max_connections = max_connections,
                                                                              .max_pending_requests = 1'000'000});
  };
  auto order = client("order", static_cast<std::size_t>(connections));
  auto inventory = client("inventory", 2);
  auto payment = client("payment", 2);
  LoadRun run(io, *order, {{"inventory", inventory.get()}, {"payment", payment.get()}}, *faults);
  std::cerr << "[load] " << rate << " orders/s for " << absl::GetFlag(FLAGS_duration) << " against "
            << absl::GetFlag(FLAGS_order) << "\n";
  run.run(rate, std::chrono::duration_cast<Clock::duration>(*duration), decline,
          std::chrono::duration_cast<Clock::duration>(*settle));
  io.run();
  if (absl::GetFlag(FLAGS_json)) {
    std::cout << run.report().json().dump() << "\n";
  } else {
    std::cout << run.report().text();
  }
  return run.report().statuses.count(201) ? 0 : 1;
}
