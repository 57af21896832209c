// The SQS endpoint over real HTTP on loopback, one operation at a time.
#include "native/broker_server/sqs_api.h"

#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <thread>

#include "tests/native/broker_server/broker_test_server.h"

namespace sluice::native {
namespace {

using nlohmann::json;

using Reply = testing::HttpReply;

class SqsApiTest : public ::testing::Test {
 protected:
  Reply call(const std::string& operation, const std::string& body,
             const std::string& content_type = "application/x-amz-json-1.0") {
    return server.request("POST", "/", body,
                          "Content-Type: " + content_type + "\r\nX-Amz-Target: AmazonSQS." + operation +
                              "\r\nAuthorization: AWS4-HMAC-SHA256 "
                              "Credential=fake/20261124/us-east-1/sqs/aws4_request\r\n");
  }
  std::string url(const std::string& name) { return server.base_url() + "/000000000000/" + name; }
  std::string create(const std::string& name, const json& attributes = json::object()) {
    Reply r = call("CreateQueue", json{{"QueueName", name}, {"Attributes", attributes}}.dump());
    EXPECT_EQ(r.status, 200) << r.body;
    return r.body.value("QueueUrl", "");
  }

  testing::BrokerTestServer server;
  asio::io_context& io = server.io;
  broker::InMemoryBroker& broker = server.broker;
};

TEST(SqsWireTest, DigestsMatchWhatTheSdksCompute) {
  EXPECT_EQ(md5_hex("hello"), "5d41402abc4b2a76b9719d911017c592");
  // Published vectors of SQS's attribute digest.
  EXPECT_EQ(md5_of_attributes({{"SellerName", {.data_type = "String", .string_value = "Example Store"}}}),
            "cd28f3b68aeee4b2eac9c66f2f694b58");
  EXPECT_EQ(md5_of_attributes({{"ordinal", {.data_type = "Number", .string_value = "1"}},
                               {"category", {.data_type = "String", .string_value = "test"}}}),
            "d21ae90c49061e927f57df5f5d72be1f");
  EXPECT_EQ(base64_decode(base64_encode(std::string("\0\x01\xff", 3))), std::string("\0\x01\xff", 3));
  EXPECT_FALSE(base64_decode("abc").has_value());
}

TEST_F(SqsApiTest, CreatesFindsListsAndDeletesQueues) {
  const std::string orders = create("orders");
  EXPECT_EQ(orders, url("orders"));
  EXPECT_EQ(create("orders"), orders);  // the same attributes: its URL again
  Reply clash = call("CreateQueue", R"({"QueueName": "orders", "Attributes": {"VisibilityTimeout": "5"}})");
  EXPECT_EQ(clash.status, 400);
  EXPECT_EQ(clash.body["__type"], "com.amazonaws.sqs#QueueNameExists");
  create("orders-dlq");
  create("payments");
  EXPECT_EQ(call("GetQueueUrl", R"({"QueueName": "payments"})").body["QueueUrl"], url("payments"));
  Reply page = call("ListQueues", R"({"QueueNamePrefix": "orders", "MaxResults": 1})");
  EXPECT_EQ(page.body["QueueUrls"], json::array({url("orders")}));
  Reply rest = call("ListQueues", json{{"QueueNamePrefix", "orders"}, {"NextToken", page.body["NextToken"]}}.dump());
  EXPECT_EQ(rest.body["QueueUrls"], json::array({url("orders-dlq")}));
  EXPECT_EQ(call("DeleteQueue", json{{"QueueUrl", url("payments")}}.dump()).status, 200);
  Reply gone = call("GetQueueUrl", R"({"QueueName": "payments"})");
  EXPECT_EQ(gone.body["__type"], "com.amazonaws.sqs#QueueDoesNotExist");
  EXPECT_NE(gone.headers.find("x-amzn-query-error: AWS.SimpleQueueService.NonExistentQueue;Sender"), std::string::npos);
}

TEST_F(SqsApiTest, SendsReceivesAndDeletesWithTheDigestsSdksCheck) {
  const std::string queue = create("orders");
  Reply sent = call("SendMessage", json{{"QueueUrl", queue},
                                        {"MessageBody", "hello"},
                                        {"MessageAttributes",
                                         {{"SellerName", {{"DataType", "String"}, {"StringValue", "Example Store"}}},
                                          {"blob", {{"DataType", "Binary"}, {"BinaryValue", "AAH/"}}}}}}
                                       .dump());
  ASSERT_EQ(sent.status, 200) << sent.body;
  EXPECT_EQ(sent.body["MD5OfMessageBody"], "5d41402abc4b2a76b9719d911017c592");
  EXPECT_EQ(sent.body["MessageId"].get<std::string>().size(), 36u);
  Reply received =
      call("ReceiveMessage", json{{"QueueUrl", queue},
                                  {"MessageAttributeNames", {"All"}},
                                  {"MessageSystemAttributeNames", {"ApproximateReceiveCount", "SentTimestamp"}}}
                                 .dump());
  ASSERT_EQ(received.body["Messages"].size(), 1u);
  const json& message = received.body["Messages"][0];
  EXPECT_EQ(message["Body"], "hello");
  EXPECT_EQ(message["MD5OfBody"], "5d41402abc4b2a76b9719d911017c592");
  EXPECT_EQ(message["MD5OfMessageAttributes"], sent.body["MD5OfMessageAttributes"]);
  EXPECT_EQ(message["MessageAttributes"]["blob"]["BinaryValue"], "AAH/");
  EXPECT_EQ(message["Attributes"]["ApproximateReceiveCount"], "1");
  EXPECT_GT(std::stoll(message["Attributes"]["SentTimestamp"].get<std::string>()), 1'700'000'000'000LL);
  Reply stats = call("GetQueueAttributes", json{{"QueueUrl", queue}, {"AttributeNames", {"All"}}}.dump());
  EXPECT_EQ(stats.body["Attributes"]["ApproximateNumberOfMessagesNotVisible"], "1");
  EXPECT_EQ(stats.body["Attributes"]["QueueArn"], "arn:aws:sqs:us-east-1:000000000000:orders");
  EXPECT_EQ(call("DeleteMessage", json{{"QueueUrl", queue}, {"ReceiptHandle", message["ReceiptHandle"]}}.dump()).status,
            200);
  Reply empty = call("ReceiveMessage", json{{"QueueUrl", queue}}.dump());
  EXPECT_TRUE(empty.body["Messages"].empty());
  Reply bogus = call("DeleteMessage", json{{"QueueUrl", queue}, {"ReceiptHandle", "nonsense"}}.dump());
  EXPECT_EQ(bogus.body["__type"], "com.amazonaws.sqs#ReceiptHandleIsInvalid");
}

TEST_F(SqsApiTest, ALongPollWakesUpWhenAMessageIsSent) {
  const std::string queue = create("orders");
  Reply received;
  std::thread waiter([&] {
    received = call("ReceiveMessage", json{{"QueueUrl", queue}, {"WaitTimeSeconds", 20}}.dump());
  });
  // Send once the receive is waiting (the queue counts it).
  for (int i = 0; i < 1000; ++i) {
    Reply stats = call("GetQueueAttributes", json{{"QueueUrl", queue}}.dump());
    std::promise<std::uint64_t> waiting;
    asio::post(io, [&] { waiting.set_value(broker.queue_stats("orders")->waiting_receives); });
    if (waiting.get_future().get() == 1) break;
    std::this_thread::yield();
  }
  const auto started = std::chrono::steady_clock::now();
  ASSERT_EQ(call("SendMessage", json{{"QueueUrl", queue}, {"MessageBody", "wake up"}}.dump()).status, 200);
  waiter.join();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));  // not the 20 s wait
  ASSERT_EQ(received.body["Messages"].size(), 1u);
  EXPECT_EQ(received.body["Messages"][0]["Body"], "wake up");
}

TEST_F(SqsApiTest, FifoQueuesTakeGroupAndDeduplicationIds) {
  const std::string queue = create("orders.fifo", {{"FifoQueue", "true"}});
  const json send = {
      {"QueueUrl", queue}, {"MessageBody", "a"}, {"MessageGroupId", "g"}, {"MessageDeduplicationId", "d1"}};
  Reply first = call("SendMessage", send.dump());
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_FALSE(first.body["SequenceNumber"].get<std::string>().empty());
  EXPECT_EQ(call("SendMessage", send.dump()).body["MessageId"], first.body["MessageId"]);  // deduplicated
  Reply received = call("ReceiveMessage",
                        json{{"QueueUrl", queue}, {"MaxNumberOfMessages", 10}, {"AttributeNames", {"All"}}}.dump());
  ASSERT_EQ(received.body["Messages"].size(), 1u);
  EXPECT_EQ(received.body["Messages"][0]["Attributes"]["MessageGroupId"], "g");
  Reply missing_group = call("SendMessage", json{{"QueueUrl", queue}, {"MessageBody", "b"}}.dump());
  EXPECT_EQ(missing_group.body["__type"], "com.amazonaws.sqs#MissingParameter");
  // Content-based deduplication: the same body within the window is one message.
  const std::string by_content =
      create("by-content.fifo", {{"FifoQueue", "true"}, {"ContentBasedDeduplication", "true"}});
  const json same = {{"QueueUrl", by_content}, {"MessageBody", "same"}, {"MessageGroupId", "g"}};
  Reply once = call("SendMessage", same.dump());
  ASSERT_EQ(once.status, 200) << once.body;
  EXPECT_EQ(call("SendMessage", same.dump()).body["MessageId"], once.body["MessageId"]);
  Reply no_dedup = call("SendMessage", json{{"QueueUrl", queue}, {"MessageBody", "c"}, {"MessageGroupId", "g"}}.dump());
  EXPECT_EQ(no_dedup.body["__type"], "com.amazonaws.sqs#InvalidParameterValue");  // neither an id nor content-based
}

// Visibility expiry, redelivery and the dead-letter queue, on real time: each receive
// long-polls until the message is visible again, so the test waits only as long as
// the 1-second visibility timeout says.
TEST_F(SqsApiTest, AnUndeletedMessageComesBackThenGoesToTheDeadLetterQueue) {
  create("orders-dlq");
  const std::string queue =
      create("orders", {{"VisibilityTimeout", "1"},
                        {"RedrivePolicy", R"({"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:orders-dlq",)"
                                          R"("maxReceiveCount":"2"})"}});
  ASSERT_EQ(call("SendMessage", json{{"QueueUrl", queue}, {"MessageBody", "poison"}}.dump()).status, 200);
  const json receive = {{"QueueUrl", queue}, {"WaitTimeSeconds", 5}, {"AttributeNames", {"ApproximateReceiveCount"}}};
  Reply first = call("ReceiveMessage", receive.dump());
  ASSERT_EQ(first.body["Messages"].size(), 1u);
  EXPECT_EQ(first.body["Messages"][0]["Attributes"]["ApproximateReceiveCount"], "1");
  Reply second = call("ReceiveMessage", receive.dump());  // visible again after 1 s
  ASSERT_EQ(second.body["Messages"].size(), 1u);
  EXPECT_EQ(second.body["Messages"][0]["Attributes"]["ApproximateReceiveCount"], "2");
  EXPECT_NE(second.body["Messages"][0]["ReceiptHandle"], first.body["Messages"][0]["ReceiptHandle"]);
  // A third receive would exceed maxReceiveCount: the message moves to the DLQ instead.
  Reply third = call("ReceiveMessage", json{{"QueueUrl", queue}, {"WaitTimeSeconds", 2}}.dump());
  EXPECT_TRUE(third.body["Messages"].empty());
  Reply dead = call("ReceiveMessage", json{{"QueueUrl", url("orders-dlq")}, {"WaitTimeSeconds", 5}}.dump());
  ASSERT_EQ(dead.body["Messages"].size(), 1u);
  EXPECT_EQ(dead.body["Messages"][0]["Body"], "poison");
  Reply attributes =
      call("GetQueueAttributes", json{{"QueueUrl", queue}, {"AttributeNames", {"RedrivePolicy"}}}.dump());
  EXPECT_EQ(json::parse(attributes.body["Attributes"]["RedrivePolicy"].get<std::string>())["maxReceiveCount"], 2);
}

// Two consumers receiving from one FIFO queue at once never get one group's messages
// out of order: a group is held while a message of it is in flight.
TEST_F(SqsApiTest, TwoConcurrentFifoReceiversKeepEachGroupInOrder) {
  const std::string queue = create("orders.fifo", {{"FifoQueue", "true"}, {"ContentBasedDeduplication", "true"}});
  for (int i = 0; i < 10; ++i) {
    for (const char* group : {"alice", "bob"}) {
      ASSERT_EQ(call("SendMessage", json{{"QueueUrl", queue},
                                         {"MessageBody", std::string(group) + "-" + std::to_string(i)},
                                         {"MessageGroupId", group}}
                                        .dump())
                    .status,
                200);
    }
  }
  std::mutex mutex;
  std::map<std::string, std::vector<int>> seen;
  auto consume = [&] {
    for (int empty = 0; empty < 2;) {
      Reply r =
          call("ReceiveMessage", json{{"QueueUrl", queue}, {"MaxNumberOfMessages", 3}, {"WaitTimeSeconds", 1}}.dump());
      if (r.body["Messages"].empty()) {
        ++empty;
        continue;
      }
      for (const json& m : r.body["Messages"]) {
        const std::string body = m["Body"];
        {
          std::lock_guard<std::mutex> lock(mutex);
          seen[body.substr(0, body.find('-'))].push_back(std::stoi(body.substr(body.find('-') + 1)));
        }
        call("DeleteMessage", json{{"QueueUrl", queue}, {"ReceiptHandle", m["ReceiptHandle"]}}.dump());
      }
    }
  };
  std::thread a(consume);
  std::thread b(consume);
  a.join();
  b.join();
  const std::vector<int> in_order = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  EXPECT_EQ(seen["alice"], in_order);
  EXPECT_EQ(seen["bob"], in_order);
}

TEST_F(SqsApiTest, SetQueueAttributesChangesTheQueueAndRefusesWhatItCannotChange) {
  const std::string queue = create("orders");
  ASSERT_EQ(call("SetQueueAttributes", json{{"QueueUrl", queue}, {"Attributes", {{"VisibilityTimeout", "45"}}}}.dump())
                .status,
            200);
  Reply read = call("GetQueueAttributes", json{{"QueueUrl", queue}, {"AttributeNames", {"VisibilityTimeout"}}}.dump());
  EXPECT_EQ(read.body["Attributes"], json({{"VisibilityTimeout", "45"}}));
  EXPECT_EQ(call("SetQueueAttributes", json{{"QueueUrl", queue}, {"Attributes", {{"FifoQueue", "true"}}}}.dump())
                .body["__type"],
            "com.amazonaws.sqs#InvalidAttributeValue");
  EXPECT_EQ(
      call("SetQueueAttributes", json{{"QueueUrl", queue}, {"Attributes", {{"Colour", "red"}}}}.dump()).body["__type"],
      "com.amazonaws.sqs#InvalidAttributeName");
  EXPECT_EQ(call("SetQueueAttributes", json{{"QueueUrl", queue}}.dump()).body["__type"],
            "com.amazonaws.sqs#MissingParameter");
  EXPECT_EQ(
      call("GetQueueAttributes", json{{"QueueUrl", queue}, {"AttributeNames", {"VisibilityTimeout"}}}.dump()).body,
      read.body);  // the refusals changed nothing
}

TEST_F(SqsApiTest, BatchesAnswerPerEntryAndRefuseBadBatchesWhole) {
  const std::string queue = create("orders");
  Reply sent = call("SendMessageBatch", json{{"QueueUrl", queue},
                                             {"Entries",
                                              {{{"Id", "a"}, {"MessageBody", "one"}},
                                               {{"Id", "b"}, {"MessageBody", "\u0001"}},
                                               {{"Id", "c"}, {"MessageBody", "three"}, {"DelaySeconds", 0}}}}}
                                            .dump());
  ASSERT_EQ(sent.status, 200) << sent.body;
  ASSERT_EQ(sent.body["Successful"].size(), 2u);
  EXPECT_EQ(sent.body["Successful"][0]["Id"], "a");
  EXPECT_EQ(sent.body["Successful"][0]["MD5OfMessageBody"], md5_hex("one"));
  ASSERT_EQ(sent.body["Failed"].size(), 1u);
  EXPECT_EQ(sent.body["Failed"][0]["Id"], "b");
  EXPECT_EQ(sent.body["Failed"][0]["Code"], "InvalidMessageContents");
  EXPECT_EQ(sent.body["Failed"][0]["SenderFault"], true);

  Reply received = call("ReceiveMessage", json{{"QueueUrl", queue}, {"MaxNumberOfMessages", 10}}.dump());
  ASSERT_EQ(received.body["Messages"].size(), 2u);
  json changes = json::array();
  json deletes = json::array();
  for (std::size_t i = 0; i < 2; ++i) {
    const json& m = received.body["Messages"][i];
    changes.push_back(
        {{"Id", "m" + std::to_string(i)}, {"ReceiptHandle", m["ReceiptHandle"]}, {"VisibilityTimeout", 60}});
    deletes.push_back({{"Id", "m" + std::to_string(i)}, {"ReceiptHandle", m["ReceiptHandle"]}});
  }
  deletes.push_back({{"Id", "junk"}, {"ReceiptHandle", "not-a-handle"}});
  EXPECT_EQ(call("ChangeMessageVisibilityBatch", json{{"QueueUrl", queue}, {"Entries", changes}}.dump())
                .body["Successful"]
                .size(),
            2u);
  Reply deleted = call("DeleteMessageBatch", json{{"QueueUrl", queue}, {"Entries", deletes}}.dump());
  EXPECT_EQ(deleted.body["Successful"].size(), 2u);
  EXPECT_EQ(deleted.body["Failed"][0]["Code"], "ReceiptHandleIsInvalid");

  json eleven = json::array();
  for (int i = 0; i < 11; ++i) eleven.push_back({{"Id", "e" + std::to_string(i)}, {"MessageBody", "x"}});
  EXPECT_EQ(call("SendMessageBatch", json{{"QueueUrl", queue}, {"Entries", eleven}}.dump()).body["__type"],
            "com.amazonaws.sqs#TooManyEntriesInBatchRequest");
  EXPECT_EQ(call("SendMessageBatch", json{{"QueueUrl", queue}, {"Entries", json::array()}}.dump()).body["__type"],
            "com.amazonaws.sqs#EmptyBatchRequest");
  const std::string large(600 * 1024, 'x');  // two of these exceed the 1 MiB batch quota
  EXPECT_EQ(call("SendMessageBatch",
                 json{{"QueueUrl", queue},
                      {"Entries", {{{"Id", "a"}, {"MessageBody", large}}, {{"Id", "b"}, {"MessageBody", large}}}}}
                     .dump())
                .body["__type"],
            "com.amazonaws.sqs#BatchRequestTooLong");
  EXPECT_EQ(call("SendMessageBatch",
                 json{{"QueueUrl", queue},
                      {"Entries", {{{"Id", "x"}, {"MessageBody", "1"}}, {{"Id", "x"}, {"MessageBody", "2"}}}}}
                     .dump())
                .body["__type"],
            "com.amazonaws.sqs#BatchEntryIdsNotDistinct");
  EXPECT_EQ(call("SendMessageBatch",
                 json{{"QueueUrl", queue}, {"Entries", {{{"Id", "bad id!"}, {"MessageBody", "1"}}}}}.dump())
                .body["__type"],
            "com.amazonaws.sqs#InvalidBatchEntryId");
  // The refused batches sent nothing.
  EXPECT_EQ(
      call("GetQueueAttributes", json{{"QueueUrl", queue}}.dump()).body["Attributes"]["ApproximateNumberOfMessages"],
      "0");
}

TEST_F(SqsApiTest, BadRequestsGetTheErrorsAwsSends) {
  create("orders");
  EXPECT_EQ(call("SendMessage", "{oops").body["__type"], "com.amazonaws.sqs#SerializationException");
  EXPECT_EQ(call("FlyToTheMoon", "{}").body["__type"], "com.amazonaws.sqs#UnsupportedOperation");
  EXPECT_EQ(call("CreateQueue", "{}").body["__type"], "com.amazonaws.sqs#MissingParameter");
  EXPECT_EQ(call("CreateQueue", R"({"QueueName": "bad name!"})").body["__type"],
            "com.amazonaws.sqs#InvalidParameterValue");
  EXPECT_EQ(call("CreateQueue", R"({"QueueName": "q", "Attributes": {"Colour": "blue"}})").body["__type"],
            "com.amazonaws.sqs#InvalidAttributeName");
  EXPECT_EQ(call("CreateQueue", R"({"QueueName": "q", "Attributes": {"VisibilityTimeout": "soon"}})").body["__type"],
            "com.amazonaws.sqs#InvalidAttributeValue");
  EXPECT_EQ(
      call("ReceiveMessage", json{{"QueueUrl", url("orders")}, {"MaxNumberOfMessages", 11}}.dump()).body["__type"],
      "com.amazonaws.sqs#InvalidParameterValue");
  EXPECT_EQ(call("SendMessage", json{{"QueueUrl", url("orders")}, {"MessageBody", "\x01"}}.dump()).body["__type"],
            "com.amazonaws.sqs#InvalidMessageContents");
  EXPECT_EQ(call("SendMessage", json{{"QueueUrl", url("nope")}, {"MessageBody", "x"}}.dump()).body["__type"],
            "com.amazonaws.sqs#QueueDoesNotExist");
  // Nothing above changed the queue.
  EXPECT_EQ(call("GetQueueAttributes", json{{"QueueUrl", url("orders")}}.dump())
                .body["Attributes"]["ApproximateNumberOfMessages"],
            "0");
}

}  // namespace
}  // namespace sluice::native
