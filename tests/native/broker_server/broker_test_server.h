// broker_test_server.h: the broker server's parts on an asio thread, as the binary
// wires them, for tests that talk to it over real HTTP.
#ifndef SLUICE_TESTS_NATIVE_BROKER_SERVER_BROKER_TEST_SERVER_H_
#define SLUICE_TESTS_NATIVE_BROKER_SERVER_BROKER_TEST_SERVER_H_

#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "core/broker/in_memory_broker.h"
#include "native/broker_server/broker_api.h"
#include "native/broker_server/sqs_api.h"
#include "native/runtime/asio_scheduler.h"
#include "native/runtime/http_server.h"
#include "tests/native/runtime/http_test_client.h"

namespace sluice::native::testing {

struct HttpReply {
  int status = 0;
  std::string headers;
  nlohmann::json body;
};

class BrokerTestServer {
 public:
  BrokerTestServer() : scheduler(io), broker(scheduler, time::Prng(1)), work_(asio::make_work_guard(io)) {
    server = *HttpServer::start(io, router, {.limits = SqsApi::kHttpLimits});
    sqs = std::make_unique<SqsApi>(broker, scheduler, base_url());
    EXPECT_TRUE(sqs->add_routes(router).ok());
    EXPECT_TRUE(add_broker_routes(router, broker, scheduler).ok());
    thread_ = std::thread([this] { io.run(); });
  }
  ~BrokerTestServer() {
    // Queues keep timers (visibility, retention); the loop is stopped, not drained.
    asio::post(io, [this] {
      server.reset();
      io.stop();
    });
    thread_.join();
  }

  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(server->port()); }

  // request: one HTTP request on its own connection; the reply's body parsed as JSON.
  HttpReply request(const std::string& method, const std::string& target, const std::string& body,
                    const std::string& extra_headers = "") {
    RawClient client(server->port());
    client.send(method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + extra_headers +
                "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
    const std::string raw = client.read_until_closed();
    HttpReply reply;
    reply.status = std::stoi(raw.substr(9, 3));
    const std::size_t head_end = raw.find("\r\n\r\n");
    reply.headers = raw.substr(0, head_end);
    reply.body = nlohmann::json::parse(raw.substr(head_end + 4));
    return reply;
  }

  asio::io_context io;
  AsioScheduler scheduler;
  broker::InMemoryBroker broker;
  Router router;
  std::unique_ptr<HttpServer> server;
  std::unique_ptr<SqsApi> sqs;

 private:
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::thread thread_;
};

}  // namespace sluice::native::testing

#endif  // SLUICE_TESTS_NATIVE_BROKER_SERVER_BROKER_TEST_SERVER_H_
