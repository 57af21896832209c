// inventory_client.h: InventoryClient, the order service's stock check: a call to
// inventory through the real CircuitBreaker, Retry and RetryBudget of core/resilience,
// with a timeout and the article's fallback (assume in stock) when the breaker rejects
// the call or every attempt fails.
//
//   client.check(order_id, product, [&](const StockAnswer& answer) { ... });
//
// Each attempt: the breaker's permit (a rejection is reported as "call.rejected" and
// goes straight to the fallback), a request to inventory, and a timer; whichever of
// reply and timer comes first settles the attempt and records its outcome on the
// permit (a timeout as a failure). A failed attempt is retried after the Retry's
// backoff if the policy and the budget allow it. `done` runs exactly once.
//
// The breaker and the budget live in the order process: a crash loses them (a new
// client starts CLOSED with an empty budget), as a real process would.
#ifndef SLUICE_CORE_SIM_INVENTORY_CLIENT_H_
#define SLUICE_CORE_SIM_INVENTORY_CLIENT_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/resilience/circuit_breaker.h"
#include "core/resilience/retry.h"
#include "core/resilience/retry_budget.h"
#include "core/sim/sim_context.h"

namespace sluice::sim {

struct StockAnswer {
  bool from_fallback = false;
  std::int64_t quantity = 0;  // when not from the fallback
};

struct InventoryClientStats {
  std::uint64_t calls = 0;
  std::uint64_t attempts = 0;
  std::uint64_t retries = 0;
  std::uint64_t timeouts = 0;
  std::uint64_t rejected = 0;  // by the breaker
  std::uint64_t fallbacks = 0;
};

class InventoryClient {
 public:
  using Done = std::function<void(const StockAnswer&)>;

  // REQUIRES: `context` outlives the client.
  InventoryClient(SimContext& context, time::Prng prng);
  ~InventoryClient();

  void check(const std::string& subject, std::uint32_t product, Done done);

  // breaker: null when the scenario has none.
  const resilience::CircuitBreaker* breaker() const { return breaker_.get(); }
  const resilience::RetryBudget* budget() const { return budget_.get(); }
  const InventoryClientStats& stats() const { return stats_; }

 private:
  struct Call;
  void attempt(const std::shared_ptr<Call>& call);
  void settle(const std::shared_ptr<Call>& call, std::uint32_t attempt, std::optional<Reply> reply);
  void finish(const std::shared_ptr<Call>& call, const StockAnswer& answer);

  SimContext& context_;
  time::Duration timeout_;
  std::unique_ptr<resilience::CircuitBreaker> breaker_;
  std::unique_ptr<resilience::RetryBudget> budget_;
  std::unique_ptr<resilience::Retry> retry_;
  // alive_: shared with every timer and reply this client set, so that those arriving
  // after the client is gone (the order process crashed) do nothing.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  // Calls not yet finished, so that the destructor can return their permits while the
  // breaker still exists.
  std::map<std::uint64_t, std::weak_ptr<Call>> open_calls_;
  std::uint64_t last_call_ = 0;
  InventoryClientStats stats_;
};

}  // namespace sluice::sim

#endif  // SLUICE_CORE_SIM_INVENTORY_CLIENT_H_
