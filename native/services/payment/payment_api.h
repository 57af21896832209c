// payment_api.h: the payment service's REST face over one PaymentStore:
//   POST /api/payments/charge  {"userId", "total", "card"?}  -> {"paymentId", "outcome"}
//        402 {"error": {"code": "card_declined"}} for a card ending in 0000
//   POST /api/payments/refund  {}                           -> {"paymentId", "outcome"}
//   GET  /api/payments/:paymentId                           -> the payment, or 404
//   GET  /api/payments                                      -> the ledger's totals
// Charge and refund need an Idempotency-Key header as the saga runner makes them
// ("<saga id>:<step>:action|compensation"); a repeat answers the first result. They
// are never shed under load (steps of sagas already accepted).
#ifndef SLUICE_NATIVE_SERVICES_PAYMENT_PAYMENT_API_H_
#define SLUICE_NATIVE_SERVICES_PAYMENT_PAYMENT_API_H_

#include "native/runtime/router.h"
#include "native/services/payment/payment_store.h"

namespace sluice::native {

Status add_payment_routes(Router& router, PaymentStore& store);

}  // namespace sluice::native

#endif  // SLUICE_NATIVE_SERVICES_PAYMENT_PAYMENT_API_H_
