#include "core/sim/inventory_client.h"

#include <utility>

namespace sluice::sim {

struct InventoryClient::Call {
  std::uint64_t id = 0;
  std::string subject;
  std::uint32_t product = 0;
  Done done;
  std::optional<resilience::RetryState> retry;
  resilience::CircuitBreaker::Permit permit;
  std::uint32_t attempt = 0;  // the attempt in progress, 1-based
  bool settled = false;       // the attempt in progress has its outcome
  time::TimerId timer;
};

InventoryClient::InventoryClient(SimContext& context, time::Prng prng)
    : context_(context), timeout_(context.scenario.inventory_client.timeout.value_or(std::chrono::seconds(1))) {
  const resilience::ResilienceConfig& config = context.scenario.inventory_client;
  if (config.circuit_breaker) {
    breaker_ = std::make_unique<resilience::CircuitBreaker>("inventory", *config.circuit_breaker,
                                                            context.clock(Node::kOrder), &context.trace);
  }
  if (config.retry_budget) {
    budget_ = std::make_unique<resilience::RetryBudget>(context.clock(Node::kOrder), *config.retry_budget);
  }
  if (config.retry) retry_ = std::make_unique<resilience::Retry>(*config.retry, prng.fork(), budget_.get());
}

InventoryClient::~InventoryClient() {
  for (auto& [id, weak] : open_calls_) {
    if (std::shared_ptr<Call> call = weak.lock()) call->permit = {};
  }
}

void InventoryClient::check(const std::string& subject, std::uint32_t product, Done done) {
  ++stats_.calls;
  auto call = std::make_shared<Call>();
  call->id = ++last_call_;
  open_calls_.emplace(call->id, call);
  call->subject = subject;
  call->product = product;
  call->done = std::move(done);
  if (retry_) call->retry = retry_->start();
  attempt(call);
}

void InventoryClient::attempt(const std::shared_ptr<Call>& call) {
  ++call->attempt;
  call->settled = false;
  if (breaker_) {
    call->permit = breaker_->try_acquire();
    if (!call->permit) {
      ++stats_.rejected;
      context_.note("call.rejected", Node::kOrder,
                    {{"to", node_name(Node::kInventory)}, {"subject", std::string_view(call->subject)}});
      finish(call, StockAnswer{.from_fallback = true});
      return;
    }
  }
  ++stats_.attempts;
  const std::uint32_t attempt = call->attempt;
  std::weak_ptr<bool> alive = alive_;
  call->timer = context_.clock(Node::kOrder).schedule_after(timeout_, [this, alive, call, attempt] {
    if (alive.expired()) return;
    settle(call, attempt, std::nullopt);
  });
  const std::uint32_t product = call->product;
  context_.call(
      Node::kOrder, Node::kInventory, MessageKind::kRequest, "checkStock", call->subject,
      // Runs at inventory, perhaps after this client died with its process.
      [&context = context_, product](bool failed) {
        if (failed) return Reply{.ok = false, .error = "unavailable"};
        return Reply{.value = context.inventory.stock(product)};
      },
      [this, alive, call, attempt](const Reply& reply) {
        if (alive.expired()) return;
        settle(call, attempt, reply);
      });
}

void InventoryClient::settle(const std::shared_ptr<Call>& call, std::uint32_t attempt, std::optional<Reply> reply) {
  // A late reply, a duplicate, or the timer of an attempt already answered.
  if (attempt != call->attempt || call->settled) return;
  call->settled = true;
  if (reply) {
    context_.clock(Node::kOrder).cancel(call->timer);
  } else {
    ++stats_.timeouts;
  }
  const bool ok = reply && reply->ok;
  if (call->permit) call->permit.record(ok ? resilience::Outcome::kSuccess : resilience::Outcome::kFailure);
  if (ok) {
    finish(call, StockAnswer{.quantity = reply->value});
    return;
  }
  if (call->retry) {
    const resilience::RetryDecision decision = call->retry->on_failure(true);
    if (decision.retry) {
      ++stats_.retries;
      std::weak_ptr<bool> alive = alive_;
      context_.clock(Node::kOrder).schedule_after(decision.delay, [this, alive, call] {
        if (alive.expired()) return;
        this->attempt(call);
      });
      return;
    }
    if (decision.reason == "budget_exhausted") {
      context_.note("retry.refused", Node::kOrder,
                    {{"reason", decision.reason}, {"subject", std::string_view(call->subject)}});
    }
  }
  finish(call, StockAnswer{.from_fallback = true});
}

void InventoryClient::finish(const std::shared_ptr<Call>& call, const StockAnswer& answer) {
  if (answer.from_fallback) ++stats_.fallbacks;
  open_calls_.erase(call->id);
  Done done = std::move(call->done);
  call->done = nullptr;
  if (done) done(answer);
}

}  // namespace sluice::sim
