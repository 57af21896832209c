// The exchange and topic models over JSON/HTTP, and an exchange routing into an SQS
// queue that an SQS consumer reads.
#include "native/broker_server/broker_api.h"

#include <gtest/gtest.h>

#include "tests/native/broker_server/broker_test_server.h"

namespace sluice::native {
namespace {

using nlohmann::json;
using Reply = testing::HttpReply;

class BrokerApiTest : public ::testing::Test {
 protected:
  Reply post(const std::string& path, const json& body) { return server.request("POST", path, body.dump()); }
  Reply get(const std::string& path) { return server.request("GET", path, ""); }
  Reply sqs(const std::string& operation, const json& body) {
    return server.request("POST", "/", body.dump(),
                          "Content-Type: application/x-amz-json-1.0\r\nX-Amz-Target: AmazonSQS." + operation + "\r\n");
  }

  testing::BrokerTestServer server;
};

TEST_F(BrokerApiTest, AnExchangeRoutesIntoAnSqsQueueThatAnSqsConsumerReads) {
  const std::string queue = sqs("CreateQueue", {{"QueueName", "notifications"}}).body["QueueUrl"];
  ASSERT_EQ(post("/v1/exchanges/orders", {{"type", "topic"}}).status, 200);
  ASSERT_EQ(post("/v1/exchanges/orders/bindings", {{"queue", "notifications"}, {"routing_key", "order.*"}}).status,
            200);
  Reply published =
      post("/v1/exchanges/orders/publish",
           {{"routing_key", "order.created"}, {"body", R"({"orderId":"o-1"})"}, {"headers", {{"source", "order"}}}});
  ASSERT_EQ(published.status, 200) << published.body;
  EXPECT_EQ(published.body["routed_to"], json::array({"notifications"}));
  Reply unrouted =
      post("/v1/exchanges/orders/publish", {{"routing_key", "payment.charged"}, {"body", "x"}, {"mandatory", true}});
  EXPECT_EQ(unrouted.status, 409);
  EXPECT_EQ(unrouted.body["error"]["code"], "NO_ROUTE");
  Reply received = sqs("ReceiveMessage", {{"QueueUrl", queue}, {"MessageAttributeNames", {"All"}}});
  ASSERT_EQ(received.body["Messages"].size(), 1u);
  EXPECT_EQ(received.body["Messages"][0]["Body"], R"({"orderId":"o-1"})");
  EXPECT_EQ(received.body["Messages"][0]["MessageAttributes"]["source"]["StringValue"], "order");
}

TEST_F(BrokerApiTest, TopicsAppendFetchAndCommitAsAConsumerGroup) {
  ASSERT_EQ(post("/v1/topics/order-events", {{"partitions", 2}}).status, 200);
  Reply first = post("/v1/topics/order-events/records", {{"key", "o-1"}, {"value", "created"}});
  ASSERT_EQ(first.status, 200) << first.body;
  Reply second = post("/v1/topics/order-events/records", {{"key", "o-1"}, {"value", "confirmed"}});
  EXPECT_EQ(second.body["partition"], first.body["partition"]);  // the same key, the same partition
  EXPECT_EQ(second.body["offset"], first.body["offset"].get<std::int64_t>() + 1);
  const std::string partition = std::to_string(first.body["partition"].get<int>());
  Reply fetched = get("/v1/topics/order-events/partitions/" + partition + "/records?offset=0&max=10");
  ASSERT_EQ(fetched.body["records"].size(), 2u);
  EXPECT_EQ(fetched.body["records"][1]["value"], "confirmed");
  EXPECT_EQ(fetched.body["records"][1]["key"], "o-1");

  Reply joined = post("/v1/topics/order-events/groups/analytics/members/worker-1", json::object());
  ASSERT_EQ(joined.status, 200) << joined.body;
  EXPECT_EQ(joined.body["partitions"], json::array({0, 1}));  // alone in the group: every partition
  EXPECT_EQ(get("/v1/topics/order-events/groups/analytics/commits/" + partition).body["offset"], nullptr);
  ASSERT_EQ(post("/v1/topics/order-events/groups/analytics/commits", {{"member", "worker-1"},
                                                                      {"generation", joined.body["generation"]},
                                                                      {"partition", std::stoi(partition)},
                                                                      {"offset", 2}})
                .status,
            200);
  EXPECT_EQ(get("/v1/topics/order-events/groups/analytics/commits/" + partition).body["offset"], 2);
  Reply stale = post("/v1/topics/order-events/groups/analytics/commits",
                     {{"member", "worker-1"}, {"generation", 99}, {"partition", 0}, {"offset", 1}});
  EXPECT_EQ(stale.body["error"]["code"], "ILLEGAL_GENERATION");
}

TEST_F(BrokerApiTest, BadInputIsAClearErrorAndChangesNothing) {
  EXPECT_EQ(post("/v1/exchanges/x", {{"type", "round-robin"}}).status, 400);
  EXPECT_EQ(server.request("POST", "/v1/topics/t", "{oops").body["error"]["code"], "MalformedJson");
  EXPECT_EQ(post("/v1/topics/t", {{"partitions", 0}}).status, 400);
  EXPECT_EQ(post("/v1/topics/t", {{"partitons", 2}}).body["error"]["message"], "topic: unknown field \"partitons\"");
  EXPECT_EQ(get("/v1/topics/missing/partitions/0/records").status, 404);
  EXPECT_EQ(get("/v1/topics/missing/partitions/zero/records").status, 400);
  EXPECT_EQ(post("/v1/exchanges/missing/bindings", {{"queue", "q"}, {"routing_key", "k"}}).status, 404);
}

}  // namespace
}  // namespace sluice::native
