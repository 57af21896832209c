// participants.h: the business state of the simulated inventory and payment services,
// which survives their crashes (it stands for their databases).
//
// Both are idempotent by key and keep a barrier as core/saga/barrier.h does: a
// compensation that arrives before its action (the action's message was slow or lost)
// is recorded, and the late action is then refused, so nothing is reserved or charged
// after it was undone. The simulator's invariants read these ledgers.
//
//   inventory.reserve("order-7:reserve_stock", 3, 2)   // -> kDone, stock of product 3 down by 2
//   inventory.release("order-7:reserve_stock")         // -> stock back; a second call changes nothing
#ifndef SLUICE_CORE_SIM_PARTICIPANTS_H_
#define SLUICE_CORE_SIM_PARTICIPANTS_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::sim {

enum class LedgerOutcome : std::uint8_t {
  kDone,
  kAlreadyDone,  // the same key again: the first answer stands
  kRefused,      // out of stock / card declined (the business said no)
  kBarred,       // the action arrived after its compensation
};

// HoldState: where one reservation or charge stands.
enum class HoldState : std::uint8_t { kHeld, kUndone, kRefused, kBarred };

struct Reservation {
  std::uint32_t product = 0;
  std::uint32_t quantity = 0;
  HoldState state = HoldState::kHeld;
};

class InventoryLedger {
 public:
  InventoryLedger(std::uint32_t products, std::uint32_t initial_stock);

  std::uint32_t stock(std::uint32_t product) const { return stock_.at(product); }
  LedgerOutcome reserve(const std::string& key, std::uint32_t product, std::uint32_t quantity);
  // release: undoes the reservation made under `key`, if any (else bars it).
  LedgerOutcome release(const std::string& key);

  const std::map<std::string, Reservation, std::less<>>& reservations() const { return reservations_; }
  std::uint64_t initial_total() const { return initial_total_; }
  std::uint64_t stock_total() const;

 private:
  std::vector<std::uint32_t> stock_;
  std::map<std::string, Reservation, std::less<>> reservations_;
  std::uint64_t initial_total_ = 0;
};

struct Charge {
  std::int64_t cents = 0;
  HoldState state = HoldState::kHeld;
};

class PaymentLedger {
 public:
  // charge: a card ending in 0000 is declined (as in the example system).
  LedgerOutcome charge(const std::string& key, std::string_view card, std::int64_t cents);
  LedgerOutcome refund(const std::string& key);

  const std::map<std::string, Charge, std::less<>>& charges() const { return charges_; }
  std::int64_t charged_cents() const { return charged_cents_; }
  std::int64_t refunded_cents() const { return refunded_cents_; }

 private:
  std::map<std::string, Charge, std::less<>> charges_;
  std::int64_t charged_cents_ = 0;
  std::int64_t refunded_cents_ = 0;
};

}  // namespace sluice::sim

#endif  // SLUICE_CORE_SIM_PARTICIPANTS_H_
