#include "native/runtime/fault_injection.h"

#include <gtest/gtest.h>

#include "tests/native/runtime/http_test_client.h"

namespace sluice::native {
namespace {

using namespace std::chrono_literals;

class FaultInjectionTest : public ::testing::Test {
 protected:
  FaultInjectionTest() {
    EXPECT_TRUE(router
                    .add("GET", "/api/inventory/:productId",
                         [](const HttpRequest&, const PathParams&, Responder reply) {
                           reply(HttpResponse::json(200, {{"quantity", 42}}));
                         })
                    .ok());
    EXPECT_TRUE(add_admin_routes(router, faults).ok());
  }

  std::string call(testing::ServerThread& server, const std::string& request) {
    testing::RawClient client(server.port());
    client.send(request);
    return client.read_until_closed();
  }
  static std::string post(const std::string& body) {
    return "POST /admin/faults HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
  }

  Router router;
  FaultInjector faults{1};
};

TEST_F(FaultInjectionTest, AnErrorFaultAnswersInsteadOfTheHandlerUntilCleared) {
  testing::ServerThread server(router, {.faults = &faults});
  const std::string get = "GET /api/inventory/SKU-1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  EXPECT_NE(call(server, post(R"({"route": "/api/inventory/:productId", "error_rate": 1, "error_status": 502})"))
                .find(R"("/api/inventory/:productId":{"error_rate":1.0,"error_status":502,"latency_ms":0})"),
            std::string::npos);
  const std::string failed = call(server, get);
  EXPECT_NE(failed.find("HTTP/1.1 502 Bad Gateway"), std::string::npos);
  EXPECT_NE(failed.find("InjectedFault"), std::string::npos);
  call(server, "DELETE /admin/faults HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(call(server, get).find("HTTP/1.1 200 OK"), std::string::npos);
}

TEST_F(FaultInjectionTest, ALatencyFaultDelaysTheAnswerByAtLeastThatMuch) {
  testing::ServerThread server(router, {.faults = &faults});
  call(server, post(R"({"route": "*", "latency_ms": 60})"));
  const auto started = std::chrono::steady_clock::now();
  const std::string reply = call(server, "GET /api/inventory/SKU-1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_GE(std::chrono::steady_clock::now() - started, 60ms);
  EXPECT_NE(reply.find("\"quantity\":42"), std::string::npos);
}

TEST_F(FaultInjectionTest, BadFaultsAreRefusedWithTheReason) {
  testing::ServerThread server(router, {.faults = &faults});
  EXPECT_NE(call(server, post(R"({"route": "/nope"})")).find("no route \\\"/nope\\\""), std::string::npos);
  EXPECT_NE(call(server, post(R"({"route": "*", "error_rate": 2})")).find("error_rate must be from 0 to 1"),
            std::string::npos);
  EXPECT_NE(call(server, post(R"({"route": "*", "error_status": 200})")).find("error_status must be from 400"),
            std::string::npos);
  EXPECT_NE(call(server, post(R"({"route": "*", "latncy_ms": 5})")).find("unknown field"), std::string::npos);
  EXPECT_NE(call(server, post("{")).find("MalformedJson"), std::string::npos);
  EXPECT_EQ(faults.to_json(), nlohmann::json::object());  // nothing was set
}

TEST(LoopbackPeerTest, OnlyLoopbackAddressesAreAdmins) {
  EXPECT_TRUE(is_loopback_peer("127.0.0.1"));
  EXPECT_TRUE(is_loopback_peer("127.3.0.1"));
  EXPECT_TRUE(is_loopback_peer("::1"));
  EXPECT_TRUE(is_loopback_peer("::ffff:127.0.0.1"));
  EXPECT_FALSE(is_loopback_peer("10.0.0.7"));
  EXPECT_FALSE(is_loopback_peer("::ffff:10.0.0.7"));
  EXPECT_FALSE(is_loopback_peer(""));
}

}  // namespace
}  // namespace sluice::native
