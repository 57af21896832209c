#include "native/stack/health_server.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <thread>

namespace sluice::native {
namespace {

using nlohmann::json;
using std::chrono::seconds;

TEST(HealthReplyTest, HealthzAnswersOkWithServiceAndUptime) {
  const HealthReply reply = health_reply("GET /healthz HTTP/1.1\r\nHost: x", "stack", seconds(3));
  EXPECT_EQ(reply.status, 200);
  const json body = json::parse(reply.body);
  EXPECT_EQ(body["status"], "ok");
  EXPECT_EQ(body["service"], "stack");
  EXPECT_DOUBLE_EQ(body["uptime_seconds"].get<double>(), 3.0);
}

TEST(HealthReplyTest, QueryStringsAreIgnoredForRouting) {
  EXPECT_EQ(health_reply("GET /healthz?verbose=1 HTTP/1.0", "stack", seconds(0)).status, 200);
}

TEST(HealthReplyTest, OtherMethodsGet405WithAllow) {
  const HealthReply reply = health_reply("POST /healthz HTTP/1.1", "stack", seconds(0));
  EXPECT_EQ(reply.status, 405);
  EXPECT_EQ(reply.allow, "GET");
  EXPECT_EQ(json::parse(reply.body)["error"]["code"], "MethodNotAllowed");
  EXPECT_NE(serialize(reply).find("\r\nAllow: GET\r\n"), std::string::npos);
}

TEST(HealthReplyTest, UnknownPathsGet404) {
  const HealthReply reply = health_reply("GET /api/orders HTTP/1.1", "stack", seconds(0));
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(json::parse(reply.body)["error"]["message"], "no route for /api/orders; try GET /healthz");
}

TEST(HealthReplyTest, MalformedRequestLinesGet400) {
  for (const char* head : {"", "GET", "GET /healthz", "GET /healthz SPDY/3", "GET /healthz HTTP/1.1 extra"}) {
    const HealthReply reply = health_reply(head, "stack", seconds(0));
    EXPECT_EQ(reply.status, 400) << "'" << head << "'";
    EXPECT_EQ(json::parse(reply.body)["error"]["code"], "BadRequest");
  }
}

TEST(HealthReplyTest, SerializeFramesTheBody) {
  const std::string wire = serialize(HealthReply{200, "OK", R"({"a":1})", ""});
  EXPECT_EQ(wire,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 7\r\n"
            "Connection: close\r\n\r\n{\"a\":1}");
}

// A server on an ephemeral loopback port, run on its own thread.
class LiveServer : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.start();
    thread_ = std::thread([this] { io_.run(); });
  }

  void TearDown() override {
    asio::post(io_, [this] { server_.stop(); });
    thread_.join();  // returns once the acceptor is closed and connections are done
  }

  // Sends `request` and returns everything the server writes before closing.
  std::string exchange(const std::string& request) {
    asio::io_context client;
    asio::ip::tcp::socket socket(client);
    socket.connect({asio::ip::make_address("127.0.0.1"), server_.port()});
    asio::write(socket, asio::buffer(request));
    std::string response;
    asio::error_code ec;
    asio::read(socket, asio::dynamic_buffer(response), ec);
    EXPECT_EQ(ec, asio::error::eof);
    return response;
  }

  asio::io_context io_;
  HealthServer server_{io_, asio::ip::make_address("127.0.0.1"), 0, "stack", std::chrono::milliseconds(200)};
  std::thread thread_;
};

TEST_F(LiveServer, ServesHealthzOverTcp) {
  const std::string response = exchange("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  ASSERT_EQ(response.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << response;
  const json body = json::parse(response.substr(response.find("\r\n\r\n") + 4));
  EXPECT_EQ(body["status"], "ok");
}

TEST_F(LiveServer, AnswersOversizedHeadersWith431) {
  const std::string response = exchange("GET /healthz HTTP/1.1\r\nX-Flood: " + std::string(9000, 'a') + "\r\n\r\n");
  EXPECT_EQ(response.rfind("HTTP/1.1 431 ", 0), 0u) << response.substr(0, 80);
}

TEST_F(LiveServer, AnswersAnIncompleteRequestWith408AfterTheTimeout) {
  // Only part of a head arrives; the server's deadline, not the client, ends the exchange.
  const std::string response = exchange("GET /healthz HTTP/1.1\r\n");
  EXPECT_EQ(response.rfind("HTTP/1.1 408 ", 0), 0u) << response;
}

TEST_F(LiveServer, ServesManyConnectionsInTurn) {
  for (int i = 0; i < 50; ++i) {
    ASSERT_EQ(exchange("GET /healthz HTTP/1.1\r\n\r\n").rfind("HTTP/1.1 200", 0), 0u);
  }
}

}  // namespace
}  // namespace sluice::native
