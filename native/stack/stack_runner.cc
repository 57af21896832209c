#include "native/stack/stack_runner.h"

#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "core/base/duration_text.h"
#include "native/runtime/ports_file.h"

namespace sluice::native {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

HttpRequest get(std::string target) {
  HttpRequest request;
  request.method = "GET";
  request.path = target;
  request.target = std::move(target);
  return request;
}

HttpRequest sqs(std::string_view operation, const json& body) {
  HttpRequest request;
  request.method = "POST";
  request.path = request.target = "/";
  request.headers = {{"content-type", "application/x-amz-json-1.0"},
                     {"x-amz-target", "AmazonSQS." + std::string(operation)}};
  request.body = body.dump();
  return request;
}

std::string address(std::uint16_t port) { return "127.0.0.1:" + std::to_string(port); }

}  // namespace

struct StackRunner::Service {
  explicit Service(const resilience::RestartConfig& restart) : policy(restart) {}

  std::string name;
  std::string binary;                              // under options.binaries
  std::uint16_t port;                              // 0 until its ports file says, when asked for any port
  std::uint16_t grpc_port;                         // inventory's; as for `port`
  std::string port_flag;                           // the stack's flag for it, for error messages
  std::string ports_file;                          // where it writes its ports (--ports_file)
  std::function<std::vector<std::string>()> args;  // made at launch: it needs earlier services' ports
  std::unique_ptr<HttpClient> client;
  std::unique_ptr<ChildProcess> process;
  std::ofstream log_file;
  std::string state = "starting";
  std::vector<std::string> last_lines;  // for errors
  std::optional<ServiceTotals> previous;
  std::chrono::steady_clock::time_point previous_at;
  // The stack's own calls to it (queue depths), not shown as the service's traffic.
  std::uint64_t own_requests = 0;
  std::uint64_t own_requests_at_previous = 0;
  ServiceRow row;
  // Supervision.
  resilience::RestartPolicy policy;
  std::uint64_t generation = 0;           // which run of it this is: 1, 2, ...
  std::uint64_t ports_of_generation = 0;  // the run whose ports file was read
  bool ready_once = false;                // from then on an exit is restarted, not a failed start
  time::TimerId restart_timer;
  std::string last_exit = "-";
};

StackRunner::StackRunner(asio::io_context& io, StackOptions options)
    : io_(io), options_(std::move(options)), scheduler_(io), refresh_timer_(io), stop_timer_(io) {
  const StackPorts& p = options_.ports;
  std::filesystem::create_directories(options_.data_dir + "/run");
  const auto data = [this](const std::string& name) {
    const std::string dir = options_.data_dir + "/" + name;
    std::filesystem::create_directories(dir);
    return "--data_dir=" + dir;
  };
  const auto add = [&](std::string name, std::string binary, std::uint16_t port, std::string flag,
                       std::function<std::vector<std::string>()> args) {
    auto service = std::make_unique<Service>(options_.restart);
    service->name = std::move(name);
    service->binary = std::move(binary);
    service->port = port;
    service->grpc_port = service->name == "inventory" ? p.inventory_grpc : 0;
    service->port_flag = std::move(flag);
    service->ports_file = options_.data_dir + "/run/" + service->name + ".json";
    service->args = std::move(args);
    services_.push_back(std::move(service));
  };
  // The ports learned at the first start, so a restart binds the same ones.
  const auto port_of = [this](std::size_t index) { return std::to_string(services_[index]->port); };
  const auto grpc_port_of_inventory = [this] { return std::to_string(services_[1]->grpc_port); };
  add("broker", "native/broker_server/broker", p.broker, "--broker_port", [=, this] {
    // On RabbitMQ, RabbitMQ keeps the messages: the broker process has no data of its own.
    if (options_.broker_backend != "memory") {
      return std::vector<std::string>{"--port=" + port_of(0), "--broker=" + options_.broker_backend};
    }
    return std::vector<std::string>{"--port=" + port_of(0), data("broker")};
  });
  // The services reach the broker process, or RabbitMQ directly when it holds the messages.
  const auto broker_flag = [=, this] {
    return options_.broker_backend != "memory" ? "--broker=" + options_.broker_backend
                                               : "--broker=127.0.0.1:" + port_of(0);
  };
  // Choreographed, payment and inventory react to the broker's events themselves.
  const auto reacting = [=, this](std::vector<std::string> args) {
    if (options_.choreography) args.insert(args.end(), {"--choreography", broker_flag()});
    return args;
  };
  add("inventory", "native/services/inventory/inventory", p.inventory, "--inventory_port", [=] {
    return reacting(
        {"--port=" + port_of(1), "--grpc_port=" + grpc_port_of_inventory(), data("inventory"), "--enable_admin"});
  });
  add("payment", "native/services/payment/payment", p.payment, "--payment_port", [=] {
    return reacting({"--port=" + port_of(2), data("payment"), "--enable_admin"});
  });
  add("order", "native/services/order/order", p.order, "--order_port", [=, this] {
    return std::vector<std::string>{"--port=" + port_of(3),
                                    "--inventory=127.0.0.1:" + port_of(1),
                                    "--inventory_grpc=127.0.0.1:" + grpc_port_of_inventory(),
                                    "--payment=127.0.0.1:" + port_of(2),
                                    broker_flag(),
                                    data("order"),
                                    "--enable_admin",
                                    options_.choreography ? "--saga=choreography" : "--saga=orchestration",
                                    "--breaker_reset_ms=" + std::to_string(options_.breaker_reset_ms)};
  });
  add("notification", "native/services/notification/notification", p.notification, "--notification_port", [=] {
    return std::vector<std::string>{"--port=" + port_of(4), broker_flag(), data("notification")};
  });
  add("analytics", "native/services/analytics/analytics", p.analytics, "--analytics_port", [=] {
    return std::vector<std::string>{"--port=" + port_of(5), broker_flag()};
  });
  if (options_.table) {
    std::filesystem::create_directories(options_.data_dir + "/logs");
    stack_log_.open(options_.data_dir + "/logs/stack.log", std::ios::app);
  }
}

StackRunner::~StackRunner() = default;

Status StackRunner::check_ports() const {
  struct Wanted {
    std::uint16_t port;
    std::string who;
    std::string flag;
  };
  std::vector<Wanted> wanted;
  for (const auto& service : services_) wanted.push_back({service->port, service->name, service->port_flag});
  wanted.push_back({options_.ports.inventory_grpc, "inventory gRPC", "--inventory_grpc_port"});
  for (const Wanted& w : wanted) {
    if (w.port == 0) continue;  // any free port: the service will say which
    asio::io_context probe;
    asio::ip::tcp::acceptor acceptor(probe);
    asio::error_code error;
    const asio::ip::tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), w.port);
    acceptor.open(endpoint.protocol(), error);
    // As the services bind: connections of an earlier run in TIME_WAIT do not count.
    if (!error) acceptor.set_option(asio::ip::tcp::acceptor::reuse_address(true), error);
    if (!error) acceptor.bind(endpoint, error);
    if (error) {
      return Status(StatusCode::kFailedPrecondition, "port " + std::to_string(w.port) + " for " + w.who +
                                                         " is in use (" + error.message() + "); choose another with " +
                                                         w.flag + "=PORT");
    }
  }
  return Status();
}

void StackRunner::launch(Service& service) {
  ++service.generation;
  // A file left by an earlier run must not pass for this one's.
  std::error_code ignored;
  std::filesystem::remove(service.ports_file, ignored);
  std::vector<std::string> argv = {options_.binaries + "/" + service.binary};
  for (std::string& arg : service.args()) argv.push_back(std::move(arg));
  argv.push_back("--log_level=" + options_.log_level);
  argv.push_back("--playground_origin=" + options_.playground_origin);
  argv.push_back("--ports_file=" + service.ports_file);
  // The services shed load; the broker, which they all depend on, does not.
  if (service.name != "broker") argv.push_back("--adaptive_concurrency=" + options_.adaptive_concurrency);
  if (options_.table && !service.log_file.is_open()) {
    std::filesystem::create_directories(options_.data_dir + "/logs");
    service.log_file.open(options_.data_dir + "/logs/" + service.name + ".log", std::ios::app);
  }
  auto spawned = ChildProcess::spawn(
      io_, argv, [this, &service](std::string_view line) { on_line(service, line); },
      [this, &service](int status) { on_exit(service, status); });
  if (!spawned.ok()) {
    service.state = "failed: " + spawned.status().message();
    note(service.name + " could not be started: " + spawned.status().message());
    if (!service.ready_once) {
      all_clean_ = false;
      return;
    }
    // As if it had died at once: the policy backs off and tries again.
    asio::post(io_, [this, &service] { on_exit(service, W_EXITCODE(127, 0)); });
    return;
  }
  service.process = *std::move(spawned);
  service.policy.handle_started(scheduler_.now());
}

void StackRunner::on_exit(Service& service, int wait_status) {
  const bool clean = WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0;
  service.last_exit = describe_exit(wait_status);
  service.state = service.last_exit;
  if (stopping_ || !service.ready_once) {
    // Stopped by us, or a start that failed (wait_ready reports it).
    if (!clean) all_clean_ = false;
    if (!options_.table || !stopping_) note(service.name + " " + service.last_exit);
    return;
  }
  const resilience::ExitDecision decision = service.policy.handle_exit(scheduler_.now(), clean);
  if (!decision.restart) {
    if (!clean) all_clean_ = false;
    note(service.name + " " + service.last_exit + "; not restarted (" + std::string(decision.reason) + ")");
    return;
  }
  const std::string delay = format_duration(decision.delay);
  service.state = service.last_exit + "; restart in " + delay;
  note(service.name + " " + service.last_exit + "; restarting in " + delay + " (" +
       std::to_string(decision.failures_in_a_row) + " in a row)");
  if (decision.newly_at_max_delay) {
    note(service.name + " is crash-looping: " + std::to_string(decision.failures_in_a_row) +
         " exits in a row; restarting every " + format_duration(options_.restart.max_delay) + " until it stays up " +
         format_duration(options_.restart.reset_after));
  }
  service.restart_timer =
      scheduler_.schedule_at(*service.policy.poll_timeout(), [this, &service] { restart(service); });
}

void StackRunner::restart(Service& service) {
  service.restart_timer = {};
  if (stopping_ || !service.policy.poll_restart(scheduler_.now())) return;
  service.process.reset();  // ended; its output was read to the end
  service.state = "restarting";
  launch(service);
  if (service.process == nullptr) return;
  const std::uint32_t restarts = service.policy.restarts();
  note("restarted " + service.name + " (restart " + std::to_string(restarts) + ", pid " +
       std::to_string(service.process->pid()) + ")");
  wait_ready(
      service, service.generation,
      [this, &service, restarts](Status ready) {
        if (ready.ok()) return note(service.name + " is ready again (restart " + std::to_string(restarts) + ")");
        // An exit meanwhile was reported, and handled, by on_exit; a run that hangs is not.
        if (service.process != nullptr && service.process->running()) note(ready.message());
      },
      300);
}

void StackRunner::note(const std::string& text) {
  if (options_.table) {
    stack_log_ << text << std::endl;
  } else {
    std::cout << "[stack] " << text << std::endl;
  }
}

void StackRunner::on_line(Service& service, std::string_view line) {
  if (service.last_lines.size() == 20) service.last_lines.erase(service.last_lines.begin());
  service.last_lines.emplace_back(line);
  if (options_.table) {
    service.log_file << line << '\n';
    service.log_file.flush();
  } else {
    std::cout << "[" << service.name << "] " << line << '\n' << std::flush;
  }
}

void StackRunner::start(std::function<void(Status)> ready) {
  // In stages, each needing the ports of the one before: the broker; inventory and
  // payment; then order, notification and analytics. A stop meanwhile ends it quietly.
  start_stage({0}, [this, ready](Status broker) {
    if (stopping_) return;
    if (!broker.ok()) return ready(broker);
    start_stage({1, 2}, [this, ready](Status participants) {
      if (stopping_) return;
      if (!participants.ok()) return ready(participants);
      start_stage({3, 4, 5}, [this, ready](Status rest) {
        if (stopping_) return;
        if (rest.ok()) refresh();
        ready(rest);
      });
    });
  });
}

void StackRunner::start_stage(std::vector<std::size_t> indexes, std::function<void(Status)> done) {
  auto left = std::make_shared<std::size_t>(indexes.size());
  auto failed = std::make_shared<Status>();
  for (std::size_t i : indexes) {
    Service& service = *services_[i];
    launch(service);
    wait_ready(
        service, service.generation,
        [left, failed, done, &service](Status status) {
          if (status.ok()) service.ready_once = true;
          if (!status.ok() && failed->ok()) *failed = status;
          if (--*left == 0) done(*failed);
        },
        300);
  }
}

bool StackRunner::learn_ports(Service& service) {
  if (service.ports_of_generation == service.generation) return true;
  Result<PortsFile> file = read_ports_file(service.ports_file);
  // Not written yet, or (a rename is atomic, so never half written) by another process.
  if (!file.ok() || file->pid != service.process->pid()) return false;
  const auto port = file->ports.find("port");
  if (port == file->ports.end()) return false;
  if (service.client != nullptr && port->second != service.port) {
    note(service.name + " came back on port " + std::to_string(port->second) + ", not " + std::to_string(service.port));
  }
  service.port = port->second;
  if (const auto grpc = file->ports.find("grpc_port"); grpc != file->ports.end()) service.grpc_port = grpc->second;
  if (service.client == nullptr) {
    service.client = std::make_unique<HttpClient>(
        io_, HttpClientOptions{.port = service.port, .target_service = service.name, .connect_timeout = 500ms});
  }
  service.ports_of_generation = service.generation;
  return true;
}

void StackRunner::wait_ready(Service& service, std::uint64_t generation, std::function<void(Status)> done,
                             int attempts_left) {
  if (service.generation != generation || stopping_) return;
  if (service.process == nullptr || !service.process->running()) {
    std::string tail;
    for (const std::string& line : service.last_lines) tail += "\n  " + line;
    return done(Status(StatusCode::kUnavailable, service.name + " " + service.state + tail));
  }
  const bool listening = learn_ports(service);
  if (attempts_left == 0) {
    return done(Status(
        StatusCode::kUnavailable,
        listening ? service.name + " did not answer /readyz on port " + std::to_string(service.port) + " within 30 s"
                  : service.name + " did not write its ports file " + service.ports_file + " within 30 s"));
  }
  const auto again = [this, &service, generation, done, attempts_left] {
    auto timer = std::make_shared<asio::steady_timer>(io_, 100ms);
    timer->async_wait([this, &service, generation, done, attempts_left, timer](const asio::error_code&) {
      wait_ready(service, generation, done, attempts_left - 1);
    });
  };
  if (!listening) return again();
  service.client->request(get("/readyz"), [&service, generation, done, again](Result<HttpClientResponse> response) {
    if (service.generation != generation) return;
    if (response.ok() && response->status == 200) {
      service.state = "ready";
      return done(Status());
    }
    again();
  });
}

void StackRunner::refresh() {
  if (stopping_) return;
  for (auto& service : services_) scrape(*service);
  scrape_queues();
  if (options_.table) draw();
  refresh_timer_.expires_after(1s);
  refresh_timer_.async_wait([this](const asio::error_code& error) {
    if (!error) refresh();
  });
}

void StackRunner::scrape(Service& service) {
  service.row.service = service.name;
  service.row.port = service.name == "inventory"
                         ? std::to_string(service.port) + ", " + std::to_string(service.grpc_port)
                         : std::to_string(service.port);
  service.row.state = service.state;
  service.row.restarts = service.policy.restarts();
  service.row.last_exit = service.last_exit;
  if (service.process == nullptr || !service.process->running() || service.client == nullptr) return;
  service.client->request(get("/metrics"), [&service](Result<HttpClientResponse> response) {
    if (!response.ok() || response->status != 200) return;
    const ServiceTotals now = totals_of(parse_prometheus_text(response->body));
    const auto at = std::chrono::steady_clock::now();
    if (service.previous) {
      const double seconds = std::chrono::duration<double>(at - service.previous_at).count();
      if (seconds > 0) {
        const double own = static_cast<double>(service.own_requests - service.own_requests_at_previous);
        service.row.requests_per_second = std::max(0.0, now.requests - service.previous->requests - own) / seconds;
        service.row.errors_per_second = (now.errors - service.previous->errors) / seconds;
      }
      service.row.p99_seconds = quantile_between(*service.previous, now, 0.99);
    }
    // Load shedding: the service's own limiter's numbers; refusals of all its limiters
    // (inventory's gRPC one too).
    if (auto own = now.limiters.find(service.name); own != now.limiters.end()) {
      service.row.limit = std::to_string(static_cast<long long>(own->second.in_flight)) + "/" +
                          std::to_string(static_cast<long long>(own->second.limit));
    }
    if (service.previous && !now.limiters.empty()) {
      const double seconds = std::chrono::duration<double>(at - service.previous_at).count();
      double refused = 0;
      for (const auto& [name, limiter] : now.limiters) {
        const auto before = service.previous->limiters.find(name);
        refused += limiter.rejected - (before == service.previous->limiters.end() ? 0 : before->second.rejected);
      }
      if (seconds > 0) service.row.shed_per_second = std::max(0.0, refused) / seconds;
    }
    service.row.breakers.clear();
    for (const auto& [name, state] : now.breakers) {
      service.row.breakers += (service.row.breakers.empty() ? "" : ", ") + name + " " + state;
    }
    service.previous = now;
    service.previous_at = at;
    service.own_requests_at_previous = service.own_requests;
  });
}

void StackRunner::scrape_queues() {
  Service& service = *services_[0];
  HttpClient& broker = *service.client;
  ++service.own_requests;
  broker.request(sqs("ListQueues", json::object()), [this, &broker, &service](Result<HttpClientResponse> listed) {
    if (!listed.ok() || listed->status != 200) return;
    const json urls = json::parse(listed->body, nullptr, false).value("QueueUrls", json::array());
    auto rows = std::make_shared<std::vector<QueueRow>>();
    auto left = std::make_shared<std::size_t>(urls.size());
    if (urls.empty()) queues_.clear();
    for (const json& url : urls) {
      const std::string text = url.get<std::string>();
      ++service.own_requests;
      broker.request(sqs("GetQueueAttributes", {{"QueueUrl", text}, {"AttributeNames", {"All"}}}),
                     [this, rows, left, text](Result<HttpClientResponse> answer) {
                       if (answer.ok() && answer->status == 200) {
                         const json attributes =
                             json::parse(answer->body, nullptr, false).value("Attributes", json::object());
                         rows->push_back({text.substr(text.rfind('/') + 1),
                                          std::stoull(attributes.value("ApproximateNumberOfMessages", "0")),
                                          std::stoull(attributes.value("ApproximateNumberOfMessagesNotVisible", "0"))});
                       }
                       if (--*left > 0) return;
                       std::sort(rows->begin(), rows->end(),
                                 [](const QueueRow& a, const QueueRow& b) { return a.queue < b.queue; });
                       queues_ = *rows;
                     });
    }
  });
}

void StackRunner::draw() {
  std::vector<ServiceRow> rows;
  for (const auto& service : services_) rows.push_back(service->row);
  const std::string order = address(services_[3]->port);
  const std::vector<std::string> footer = {
      "",
      "Try:  curl -s -X POST " + order + "/api/orders -H 'Content-Type: application/json' \\",
      "        -d '{\"userId\": \"usr_456\", \"items\": [{\"productId\": \"SKU-123\", \"quantity\": 1}], \"total\": "
      "99.99}'",
      "      curl -s " + order + "/api/orders/<orderId>          (a card ending in 0000 is declined: compensation)",
      "      curl -s " + address(services_[1]->port) + "/api/inventory/SKU-123       " + "metrics: http://" + order +
          "/metrics",
      "Logs: " + options_.data_dir + "/logs/     Ctrl-C stops everything."};
  // Home, clear, table: one write per frame, so the terminal never shows half of one.
  std::cout << "\x1b[H\x1b[2J"
            << "sluice stack\n"
            << render_status(rows, queues_, footer) << std::flush;
}

std::string StackRunner::address_of(std::string_view name) const {
  for (const auto& service : services_) {
    if (service->name == name) return address(service->port);
  }
  return "";
}

void StackRunner::stop(std::function<void(bool)> done) {
  if (stopping_) return;
  stopping_ = true;
  refresh_timer_.cancel();
  // No restart from now on: a service waiting for one stays down, and one that dies
  // while the others stop is not started again.
  for (auto& service : services_) {
    service->policy.handle_shutdown();
    scheduler_.cancel(service->restart_timer);
  }
  stop_next(services_.size(), std::move(done));
}

void StackRunner::stop_next(std::size_t index, std::function<void(bool)> done) {
  if (index == 0) return done(all_clean_);
  Service& service = *services_[index - 1];
  if (service.process == nullptr || !service.process->running()) return stop_next(index - 1, std::move(done));
  service.process->signal(SIGTERM);
  // Poll for its exit (reported by its output ending); SIGKILL after 10 s.
  auto waited = std::make_shared<int>(0);
  auto check = std::make_shared<std::function<void()>>();
  *check = [this, &service, index, done, waited, weak = std::weak_ptr(check)]() {
    auto self = weak.lock();
    if (!service.process->running()) return stop_next(index - 1, done);
    if (++*waited == 100) service.process->signal(SIGKILL);
    stop_timer_.expires_after(100ms);
    stop_timer_.async_wait([self](const asio::error_code& error) {
      if (!error) (*self)();
    });
  };
  (*check)();
}

}  // namespace sluice::native
