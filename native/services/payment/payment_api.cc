#include "native/services/payment/payment_api.h"

#include <cmath>

#include "native/services/common/participant_http.h"

namespace sluice::native {
namespace {

using nlohmann::json;

Result<ChargeRequest> read_charge(const json& body) {
  if (!body.is_object() || !body.contains("userId") || !body["userId"].is_string() ||
      body["userId"].get<std::string>().empty() || !body.contains("total") || !body["total"].is_number()) {
    return Status::invalid_argument("body must be {\"userId\": \"...\", \"total\": 99.99, \"card\": \"...\"}",
                                    "InvalidRequest");
  }
  const double total = body["total"].get<double>();
  if (!std::isfinite(total) || total <= 0 || total > 1e9) {
    return Status::invalid_argument("total must be a positive amount up to 1e9", "InvalidRequest");
  }
  if (body.contains("card") && !body["card"].is_string()) {
    return Status::invalid_argument("card must be a string", "InvalidRequest");
  }
  return ChargeRequest{body["userId"].get<std::string>(), std::llround(total * 100), body.value("card", std::string())};
}

HttpResponse charged(const PaymentOutcome& outcome) {
  if (outcome.barrier == saga::BarrierOutcome::kHanging) {
    return HttpResponse::error(409, "AlreadyCompensated", "this payment was already refunded");
  }
  return HttpResponse::json(
      200, {{"paymentId", outcome.payment_id}, {"outcome", saga::barrier_outcome_name(outcome.barrier)}});
}

}  // namespace

Status add_payment_routes(Router& router, PaymentStore& store) {
  Status s = router.add("POST", "/api/payments/charge",
                        [&store](const HttpRequest& request, const PathParams&, Responder reply) {
                          Result<saga::ParsedIdempotencyKey> key = saga_key(request, saga::Operation::kAction);
                          if (!key.ok()) return reply(response_for(key.status()));
                          Result<json> body = parse_json_body(request);
                          if (!body.ok())
                            return reply(HttpResponse::error(400, "MalformedJson", body.status().message()));
                          Result<ChargeRequest> charge = read_charge(*body);
                          if (!charge.ok()) return reply(response_for(charge.status()));
                          Result<PaymentOutcome> outcome = store.charge({key->saga_id, key->step}, *charge);
                          if (!outcome.ok() && outcome.status().reason() == "card_declined") {
                            return reply(HttpResponse::error(402, "card_declined", outcome.status().message()));
                          }
                          if (!outcome.ok()) return reply(response_for(outcome.status()));
                          reply(charged(*outcome));
                        });
  if (!s.ok()) return s;
  s = router.add("POST", "/api/payments/refund",
                 [&store](const HttpRequest& request, const PathParams&, Responder reply) {
                   Result<saga::ParsedIdempotencyKey> key = saga_key(request, saga::Operation::kCompensation);
                   if (!key.ok()) return reply(response_for(key.status()));
                   Result<PaymentOutcome> outcome = store.refund({key->saga_id, key->step});
                   if (!outcome.ok()) return reply(response_for(outcome.status()));
                   reply(charged(*outcome));
                 });
  if (!s.ok()) return s;
  // Steps of sagas the order service already accepted: shedding them would fail or
  // stall an order that was promised (load is shed where orders come in).
  if (s = router.never_shed("/api/payments/charge"); !s.ok()) return s;
  if (s = router.never_shed("/api/payments/refund"); !s.ok()) return s;
  s = router.add("GET", "/api/payments/:paymentId",
                 [&store](const HttpRequest&, const PathParams& params, Responder reply) {
                   Result<std::optional<Payment>> payment = store.find(params.at("paymentId"));
                   if (!payment.ok()) return reply(response_for(payment.status()));
                   if (!*payment) {
                     return reply(HttpResponse::error(404, "NotFound", "no payment " + params.at("paymentId")));
                   }
                   const Payment& p = **payment;
                   reply(HttpResponse::json(200, {{"paymentId", p.payment_id},
                                                  {"userId", p.user_id},
                                                  {"total", static_cast<double>(p.amount_cents) / 100},
                                                  {"cardLast4", p.card_last4},
                                                  {"status", p.status}}));
                 });
  if (!s.ok()) return s;
  return router.add("GET", "/api/payments", [&store](const HttpRequest&, const PathParams&, Responder reply) {
    Result<LedgerTotals> totals = store.totals();
    if (!totals.ok()) return reply(response_for(totals.status()));
    reply(HttpResponse::json(200, {{"payments", totals->payments},
                                   {"chargedCents", totals->charged_cents},
                                   {"refundedCents", totals->refunded_cents},
                                   {"capturedCents", totals->captured_cents}}));
  });
}

}  // namespace sluice::native
