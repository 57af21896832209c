#include <gtest/gtest.h>

#include "native/services/payment/payment_api.h"
#include "native/services/payment/payment_store.h"
#include "tests/native/runtime/http_test_client.h"

namespace sluice::native {
namespace {

std::unique_ptr<PaymentStore> memory_ledger() {
  Result<std::unique_ptr<PaymentStore>> store = PaymentStore::open(":memory:");
  EXPECT_TRUE(store.ok()) << store.status().message();
  return *std::move(store);
}

TEST(PaymentStoreTest, ChargesOnceAndRefundsOnceWithTheLedgerBalanced) {
  auto ledger = memory_ledger();
  const saga::BarrierKey key{"ord_1", "charge_payment"};
  Result<PaymentOutcome> charged = ledger->charge(key, {"usr_456", 9999, "4242424242424242"});
  ASSERT_TRUE(charged.ok()) << charged.status().message();
  EXPECT_EQ(charged->barrier, saga::BarrierOutcome::kExecuted);
  EXPECT_EQ(ledger->charge(key, {"usr_456", 9999, "4242424242424242"})->barrier, saga::BarrierOutcome::kDuplicate);
  const std::optional<Payment> payment = *ledger->find(charged->payment_id);
  ASSERT_TRUE(payment.has_value());
  EXPECT_EQ(payment->amount_cents, 9999);
  EXPECT_EQ(payment->card_last4, "4242");
  EXPECT_EQ(payment->status, "captured");
  EXPECT_EQ(ledger->totals()->captured_cents, 9999);

  EXPECT_EQ(ledger->refund(key)->barrier, saga::BarrierOutcome::kExecuted);
  EXPECT_EQ(ledger->refund(key)->barrier, saga::BarrierOutcome::kDuplicate);
  const LedgerTotals totals = *ledger->totals();
  EXPECT_EQ(totals.charged_cents, 9999);
  EXPECT_EQ(totals.refunded_cents, 9999);
  EXPECT_EQ(totals.captured_cents, 0);
  EXPECT_EQ(totals.payments, 1);
}

TEST(PaymentStoreTest, DeclinedCardsAndLateChargesTakeNothing) {
  auto ledger = memory_ledger();
  EXPECT_EQ(ledger->charge({"ord_2", "charge_payment"}, {"u", 500, "4000000000000000"}).status().reason(),
            "card_declined");
  // A refund that overtakes its charge is recorded, and the late charge does nothing.
  const saga::BarrierKey key{"ord_3", "charge_payment"};
  EXPECT_EQ(ledger->refund(key)->barrier, saga::BarrierOutcome::kNullCompensation);
  EXPECT_EQ(ledger->charge(key, {"u", 500, ""})->barrier, saga::BarrierOutcome::kHanging);
  EXPECT_EQ(ledger->totals()->payments, 0);
}

class PaymentRestTest : public ::testing::Test {
 protected:
  PaymentRestTest() : ledger(memory_ledger()) { EXPECT_TRUE(add_payment_routes(router, *ledger).ok()); }

  std::string call(const std::string& requests) {
    testing::ServerThread server(router, {});
    testing::RawClient client(server.port());
    client.send(requests);
    return client.read_until_closed();
  }

  static std::string post(const std::string& path, const std::string& key, const std::string& body, bool last = false) {
    return "POST " + path + " HTTP/1.1\r\nHost: x\r\n" +
           (key.empty() ? std::string() : "Idempotency-Key: " + key + "\r\n") + (last ? "Connection: close\r\n" : "") +
           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  }

  std::unique_ptr<PaymentStore> ledger;
  Router router;
};

TEST_F(PaymentRestTest, ChargesRefundsAndReportsTheLedger) {
  const std::string charge =
      post("/api/payments/charge", "ord_abc123:charge_payment:action", R"({"userId":"usr_456","total":99.99})");
  const std::string replies =
      call(charge + charge + post("/api/payments/refund", "ord_abc123:charge_payment:compensation", "") +
           "GET /api/payments/pay_ord_abc123_charge_payment HTTP/1.1\r\nHost: x\r\n\r\n"
           "GET /api/payments HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(replies.find(R"({"outcome":"executed","paymentId":"pay_ord_abc123_charge_payment"})"), std::string::npos);
  EXPECT_NE(replies.find(R"({"outcome":"duplicate","paymentId":"pay_ord_abc123_charge_payment"})"), std::string::npos);
  EXPECT_NE(replies.find(R"("status":"refunded","total":99.99,"userId":"usr_456")"), std::string::npos);
  EXPECT_NE(replies.find(R"({"capturedCents":0,"chargedCents":9999,"payments":1,"refundedCents":9999})"),
            std::string::npos);
}

TEST_F(PaymentRestTest, DeclinesAndBadRequestsGetClearErrorsAndChargeNothing) {
  const std::string replies =
      call(post("/api/payments/charge", "o:c:action", R"({"userId":"u","total":5,"card":"4000000000000000"})") +
           post("/api/payments/charge", "", R"({"userId":"u","total":5})") +
           post("/api/payments/charge", "o:c:action", "{x") +
           post("/api/payments/charge", "o:c:action", R"({"userId":"u","total":-1})") +
           post("/api/payments/charge", "o:c:action", R"({"userId":"u","total":5,"card":7})") +
           post("/api/payments/refund", "o:c:action", "") +
           "GET /api/payments/nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(replies.find("HTTP/1.1 402 Payment Required"), std::string::npos) << replies;
  EXPECT_NE(replies.find("card_declined"), std::string::npos);
  EXPECT_NE(replies.find("MissingIdempotencyKey"), std::string::npos);
  EXPECT_NE(replies.find("MalformedJson"), std::string::npos);
  EXPECT_NE(replies.find("positive amount"), std::string::npos);
  EXPECT_NE(replies.find("card must be a string"), std::string::npos);
  EXPECT_NE(replies.find("wrong operation"), std::string::npos);
  EXPECT_NE(replies.find("HTTP/1.1 404"), std::string::npos);
  EXPECT_EQ(ledger->totals()->payments, 0);
}

}  // namespace
}  // namespace sluice::native
