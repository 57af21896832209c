// payment_store.h: PaymentStore, the payment service's ledger in SQLite (a file under
// --data_dir, or in memory). Charges and refunds for sagas go through the saga barrier
// in the same transaction as the ledger write: a retried or re-issued charge takes the
// money once, a refund that overtakes its charge is a null compensation, and a charge
// that arrives after its refund does nothing.
//
// For demos, as the article's flow needs a failing payment: a card number ending in
// 0000 is declined (FailedPrecondition, reason "card_declined"), and nothing is written.
//
// Thread-safe (one connection behind a mutex).
#ifndef SLUICE_NATIVE_SERVICES_PAYMENT_PAYMENT_STORE_H_
#define SLUICE_NATIVE_SERVICES_PAYMENT_PAYMENT_STORE_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/base/result.h"
#include "core/saga/barrier.h"
#include "native/saga/sqlite_barrier.h"

namespace sluice::native {

struct ChargeRequest {
  std::string user_id;
  std::int64_t amount_cents = 0;
  std::string card;  // optional; only its last four digits are kept
};

struct Payment {
  std::string payment_id;
  std::string user_id;
  std::int64_t amount_cents = 0;
  std::string card_last4;
  std::string status;  // "captured" or "refunded"
};

struct PaymentOutcome {
  saga::BarrierOutcome barrier = saga::BarrierOutcome::kExecuted;
  std::string payment_id;  // of the charge (empty for a null compensation)
};

// LedgerTotals: what conservation checks compare: charged = refunded + captured.
struct LedgerTotals {
  std::int64_t charged_cents = 0;
  std::int64_t refunded_cents = 0;
  std::int64_t captured_cents = 0;
  std::int64_t payments = 0;
};

class PaymentStore {
 public:
  static Result<std::unique_ptr<PaymentStore>> open(const std::string& path);

  // charge: takes the amount for saga step `key`; idempotent by key.
  Result<PaymentOutcome> charge(const saga::BarrierKey& key, const ChargeRequest& request);
  // refund: gives back what charge() took under the same key; nothing if it never ran.
  Result<PaymentOutcome> refund(const saga::BarrierKey& key);

  Result<std::optional<Payment>> find(const std::string& payment_id);
  Result<LedgerTotals> totals();
  Status ping();

 private:
  explicit PaymentStore(std::unique_ptr<SqliteBarrier> db) : db_(std::move(db)) {}

  std::mutex mutex_;
  std::unique_ptr<SqliteBarrier> db_;
};

}  // namespace sluice::native

#endif  // SLUICE_NATIVE_SERVICES_PAYMENT_PAYMENT_STORE_H_
