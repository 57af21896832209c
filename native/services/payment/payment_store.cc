#include "native/services/payment/payment_store.h"

#include <nlohmann/json.hpp>

namespace sluice::native {
namespace {

using nlohmann::json;

std::string payment_id_of(const saga::BarrierKey& key) {
  return "pay_" + std::string(key.saga_id) + "_" + std::string(key.step);
}

}  // namespace

Result<std::unique_ptr<PaymentStore>> PaymentStore::open(const std::string& path) {
  Result<std::unique_ptr<SqliteBarrier>> barrier = SqliteBarrier::open(path);
  if (!barrier.ok()) return barrier.status();
  std::unique_ptr<PaymentStore> store(new PaymentStore(*std::move(barrier)));
  SLUICE_RETURN_IF_ERROR(store->db_->db().exec(
      "CREATE TABLE IF NOT EXISTS payments (payment_id TEXT PRIMARY KEY, saga_id TEXT NOT NULL, "
      "step TEXT NOT NULL, user_id TEXT NOT NULL, amount_cents INTEGER NOT NULL CHECK (amount_cents > 0), "
      "card_last4 TEXT NOT NULL, status TEXT NOT NULL)"));
  return store;
}

Result<PaymentOutcome> PaymentStore::charge(const saga::BarrierKey& key, const ChargeRequest& request) {
  if (request.card.ends_with("0000")) {
    return Status(StatusCode::kFailedPrecondition, "the card was declined (cards ending in 0000 always are)",
                  "card_declined");
  }
  if (request.amount_cents <= 0) return Status::invalid_argument("the amount must be positive", "InvalidRequest");
  std::lock_guard<std::mutex> lock(mutex_);
  SqliteDb& db = db_->db();
  Result<saga::BarrierResult> result =
      saga::run_barrier(*db_, key, saga::Operation::kAction, [&]() -> Result<std::string> {
        Result<SqliteStatement> insert = db.prepare("INSERT INTO payments VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'captured')");
        if (!insert.ok()) return insert.status();
        SqliteStatement statement = *std::move(insert);
        const std::string id = payment_id_of(key);
        statement.bind(1, id);
        statement.bind(2, key.saga_id);
        statement.bind(3, key.step);
        statement.bind(4, request.user_id);
        statement.bind(5, request.amount_cents);
        statement.bind(6, request.card.size() >= 4 ? request.card.substr(request.card.size() - 4) : request.card);
        SLUICE_RETURN_IF_ERROR(statement.run());
        return json{{"paymentId", id}}.dump();
      });
  if (!result.ok()) return result.status();
  PaymentOutcome outcome{.barrier = result->outcome};
  if (!result->output.empty()) outcome.payment_id = json::parse(result->output).value("paymentId", "");
  return outcome;
}

Result<PaymentOutcome> PaymentStore::refund(const saga::BarrierKey& key) {
  std::lock_guard<std::mutex> lock(mutex_);
  SqliteDb& db = db_->db();
  Result<saga::BarrierResult> result =
      saga::run_barrier(*db_, key, saga::Operation::kCompensation, [&]() -> Result<std::string> {
        Result<SqliteStatement> update =
            db.prepare("UPDATE payments SET status = 'refunded' WHERE payment_id = ?1 AND status = 'captured'");
        if (!update.ok()) return update.status();
        SqliteStatement statement = *std::move(update);
        statement.bind(1, payment_id_of(key));
        SLUICE_RETURN_IF_ERROR(statement.run());
        return json{{"paymentId", payment_id_of(key)}}.dump();
      });
  if (!result.ok()) return result.status();
  PaymentOutcome outcome{.barrier = result->outcome};
  if (result->outcome != saga::BarrierOutcome::kNullCompensation) outcome.payment_id = payment_id_of(key);
  return outcome;
}

Result<std::optional<Payment>> PaymentStore::find(const std::string& payment_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  Result<SqliteStatement> select = db_->db().prepare(
      "SELECT payment_id, user_id, amount_cents, card_last4, status FROM payments WHERE payment_id = ?1");
  if (!select.ok()) return select.status();
  SqliteStatement statement = *std::move(select);
  statement.bind(1, payment_id);
  Result<bool> row = statement.step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<Payment>();
  return std::optional<Payment>(Payment{std::string(statement.column_text(0)), std::string(statement.column_text(1)),
                                        statement.column_int(2), std::string(statement.column_text(3)),
                                        std::string(statement.column_text(4))});
}

Result<LedgerTotals> PaymentStore::totals() {
  std::lock_guard<std::mutex> lock(mutex_);
  Result<SqliteStatement> select = db_->db().prepare(
      "SELECT COALESCE(SUM(amount_cents), 0), "
      "COALESCE(SUM(CASE WHEN status = 'refunded' THEN amount_cents END), 0), "
      "COALESCE(SUM(CASE WHEN status = 'captured' THEN amount_cents END), 0), COUNT(*) FROM payments");
  if (!select.ok()) return select.status();
  SqliteStatement statement = *std::move(select);
  Result<bool> row = statement.step();
  if (!row.ok()) return row.status();
  return LedgerTotals{statement.column_int(0), statement.column_int(1), statement.column_int(2),
                      statement.column_int(3)};
}

Status PaymentStore::ping() {
  std::lock_guard<std::mutex> lock(mutex_);
  return db_->db().exec("SELECT 1");
}

}  // namespace sluice::native
