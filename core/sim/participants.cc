#include "core/sim/participants.h"

namespace sluice::sim {
namespace {

// outcome_of_repeat: the answer to an action whose key was seen before: the first
// answer stands, and an action undone (or barred) before it arrived stays barred.
LedgerOutcome outcome_of_repeat(HoldState state) {
  switch (state) {
    case HoldState::kHeld:
      return LedgerOutcome::kAlreadyDone;
    case HoldState::kRefused:
      return LedgerOutcome::kRefused;
    case HoldState::kUndone:
    case HoldState::kBarred:
      return LedgerOutcome::kBarred;
  }
  return LedgerOutcome::kBarred;
}

}  // namespace

InventoryLedger::InventoryLedger(std::uint32_t products, std::uint32_t initial_stock)
    : stock_(products, initial_stock), initial_total_(static_cast<std::uint64_t>(products) * initial_stock) {}

LedgerOutcome InventoryLedger::reserve(const std::string& key, std::uint32_t product, std::uint32_t quantity) {
  if (auto found = reservations_.find(key); found != reservations_.end()) {
    return outcome_of_repeat(found->second.state);
  }
  Reservation& reservation = reservations_[key];
  reservation.product = product;
  reservation.quantity = quantity;
  if (product >= stock_.size() || stock_[product] < quantity) {
    reservation.state = HoldState::kRefused;
    return LedgerOutcome::kRefused;
  }
  stock_[product] -= quantity;
  return LedgerOutcome::kDone;
}

LedgerOutcome InventoryLedger::release(const std::string& key) {
  auto found = reservations_.find(key);
  if (found == reservations_.end()) {
    reservations_[key].state = HoldState::kBarred;  // a late reserve must not take stock
    return LedgerOutcome::kDone;
  }
  if (found->second.state != HoldState::kHeld) return LedgerOutcome::kAlreadyDone;
  found->second.state = HoldState::kUndone;
  stock_[found->second.product] += found->second.quantity;
  return LedgerOutcome::kDone;
}

std::uint64_t InventoryLedger::stock_total() const {
  std::uint64_t total = 0;
  for (std::uint32_t s : stock_) total += s;
  return total;
}

LedgerOutcome PaymentLedger::charge(const std::string& key, std::string_view card, std::int64_t cents) {
  if (auto found = charges_.find(key); found != charges_.end()) {
    return outcome_of_repeat(found->second.state);
  }
  Charge& charge = charges_[key];
  charge.cents = cents;
  if (card.ends_with("0000")) {
    charge.state = HoldState::kRefused;
    return LedgerOutcome::kRefused;
  }
  charged_cents_ += cents;
  return LedgerOutcome::kDone;
}

LedgerOutcome PaymentLedger::refund(const std::string& key) {
  auto found = charges_.find(key);
  if (found == charges_.end()) {
    charges_[key].state = HoldState::kBarred;
    return LedgerOutcome::kDone;
  }
  if (found->second.state != HoldState::kHeld) return LedgerOutcome::kAlreadyDone;
  found->second.state = HoldState::kUndone;
  refunded_cents_ += found->second.cents;
  return LedgerOutcome::kDone;
}

}  // namespace sluice::sim
