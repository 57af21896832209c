#include "core/sim/order_service.h"

#include <utility>
#include <variant>

#include "core/sim/choreography.h"

namespace sluice::sim {
namespace {

using saga::Operation;
using saga::SagaCommand;
using saga::StepResult;

constexpr std::string_view kSagaName = "CreateOrderSaga";

saga::SagaDefinition create_order_saga(const SagaConfig& config) {
  const saga::StepRetryPolicy retry{.max_attempts = config.max_attempts,
                                    .initial_backoff = std::chrono::milliseconds(50),
                                    .max_backoff = std::chrono::seconds(1)};
  // Compensations keep trying for about a minute of outage before asking for a person.
  const saga::StepRetryPolicy compensation_retry{
      .max_attempts = 40, .initial_backoff = std::chrono::milliseconds(100), .max_backoff = std::chrono::seconds(2)};
  saga::SagaDefinition definition{.name = std::string(kSagaName)};
  saga::StepDefinition reserve{.name = "reserve_stock", .action = "reserveStock", .compensation = "releaseStock"};
  reserve.retry = retry;
  reserve.retry.non_retryable_errors = {"out_of_stock", "barred"};
  reserve.compensation_retry = compensation_retry;
  reserve.timeout = config.step_timeout;
  saga::StepDefinition charge{.name = "charge_payment", .action = "charge", .compensation = "refund"};
  charge.retry = retry;
  charge.retry.non_retryable_errors = {"declined", "barred"};
  charge.compensation_retry = compensation_retry;
  charge.timeout = config.step_timeout;
  saga::StepDefinition confirm{.name = "confirm_order", .action = "confirmOrder", .kind = saga::StepKind::kPivot};
  confirm.timeout = config.step_timeout;
  definition.steps = {reserve, charge, confirm};
  return definition;
}

// The participants' answers as replies: a business refusal is not worth retrying.
Reply reply_of(LedgerOutcome outcome, std::string_view refusal) {
  switch (outcome) {
    case LedgerOutcome::kDone:
    case LedgerOutcome::kAlreadyDone:
      return Reply{};
    case LedgerOutcome::kRefused:
      return Reply{.ok = false, .error = std::string(refusal)};
    case LedgerOutcome::kBarred:
      return Reply{.ok = false, .error = "barred"};
  }
  return Reply{};
}

}  // namespace

// SagaEvents: the runner's events go to the trace; final states also update the order.
class OrderService::SagaEvents final : public observe::EventSink {
 public:
  explicit SagaEvents(OrderService& owner) : owner_(owner) {}
  void on_event(const observe::Event& event) override {
    owner_.context_.trace.on_event(event);
    if (event.what != "saga.state_changed") return;
    const auto* state = event.attribute("state");
    if (state == nullptr || !std::holds_alternative<std::string_view>(*state)) return;
    const std::string_view name = std::get<std::string_view>(*state);
    if (name == "COMPLETED" || name == "COMPENSATED" || name == "FAILED_NEEDS_ATTENTION") {
      owner_.on_saga_final(event.where, name);
    }
  }

 private:
  OrderService& owner_;
};

OrderService::OrderService(SimContext& context, time::Prng prng)
    : context_(context), prng_(std::move(prng)), outbox_(context, Node::kOrder, true) {
  if (context_.scenario.saga.mode == SagaMode::kChoreography) {
    tracker_ =
        std::make_unique<saga::SagaTracker>(saga::article_order_flow(), context_.clock(Node::kOrder), &context_.trace);
    events_ = std::make_unique<FifoConsumer>(
        context_, Node::kOrder, std::string(kOrderEventsQueue),
        [this](const broker::BrokerMessage& message) { return on_choreography_event(message); });
    events_->start();
  }
  build_process();
}

OrderService::~OrderService() {
  runner_.reset();
  client_.reset();
}

void OrderService::build_process() {
  if (!tracker_) {  // orchestrated: the runner and its log; choreographed sagas need neither
    saga_events_ = std::make_unique<SagaEvents>(*this);
    runner_ = std::make_unique<saga::SagaRunner>(
        context_.clock(Node::kOrder), log_, prng_.fork(), [this](const SagaCommand& command) { on_command(command); },
        saga_events_.get());
    const Status registered = runner_->register_definition(create_order_saga(context_.scenario.saga));
    (void)registered;  // a fixed, valid definition
  }
  client_ = std::make_unique<InventoryClient>(context_, prng_.fork());
}

void OrderService::rebuild_inventory_client() {
  if (client_ == nullptr) return;  // down: restart() builds one with the new settings
  client_ = std::make_unique<InventoryClient>(context_, prng_.fork());
}

void OrderService::crash() {
  runner_.reset();  // cancels its timers
  client_.reset();
  saga_events_.reset();
  outbox_.crash();
  if (events_) events_->crash();
  // Records appended after the last sync were never on disk.
  std::vector<saga::SagaRecord> kept(log_.records().begin(),
                                     log_.records().begin() + static_cast<std::ptrdiff_t>(log_.synced_records()));
  log_ = saga::InMemorySagaLog(std::move(kept));
}

void OrderService::restart() {
  build_process();
  const Result<std::size_t> resumed = runner_ ? runner_->recover() : Result<std::size_t>(std::size_t{0});
  context_.note("order.recovered", Node::kOrder,
                {{"sagas_resumed", static_cast<std::int64_t>(resumed.ok() ? *resumed : 0)}});
  outbox_.pump();
  if (events_) events_->start();
}

std::uint64_t OrderService::running_sagas() const {
  return stats_.sagas_started - stats_.confirmed - stats_.cancelled - stats_.needs_attention;
}

void OrderService::place(OrderRequest request) {
  ++stats_.received;
  context_.service(Node::kOrder).handle([this, request = std::move(request)](bool failed) {
    if (failed) {
      ++stats_.failed;
      reply_to_client(request.id, "500 failed");
      return;
    }
    client_->check(request.id, request.product, [this, request](const StockAnswer& answer) {
      if (!answer.from_fallback && answer.quantity < request.quantity) {
        ++stats_.rejected_out_of_stock;
        context_.note("order.rejected", Node::kOrder, {{"subject", std::string_view(request.id)}});
        reply_to_client(request.id, "409 out of stock");
        return;
      }
      start_saga(request);
      reply_to_client(request.id, "201 created");
    });
  });
}

void OrderService::reply_to_client(const std::string& order_id, std::string_view label) {
  context_.network.send(Node::kOrder, Node::kClient, MessageKind::kReply, label, order_id, [] {});
}

void OrderService::start_saga(const OrderRequest& request) {
  // A duplicated request (the client's retry, or the network's copy) finds its order.
  if (!orders_.emplace(request.id, Order{.request = request}).second) return;
  nlohmann::json data = {
      {"product", request.product}, {"quantity", request.quantity}, {"card", request.card}, {"cents", request.cents}};
  if (!tracker_) {
    if (Status s = runner_->start(kSagaName, request.id, data); !s.ok()) return;
  }
  ++stats_.sagas_started;
  publish({.type = "OrderCreated", .correlation_id = request.id, .payload = std::move(data)});
}

void OrderService::publish(saga::SagaEvent event) {
  if (tracker_) (void)tracker_->observe(event);
  outbox_.add(std::move(event));
}

bool OrderService::on_choreography_event(const broker::BrokerMessage& message) {
  Result<saga::SagaEvent> event = saga::decode_event(message.message.body);
  if (!event.ok()) return true;     // unreadable: nothing to do but drop it
  (void)tracker_->observe(*event);  // a copy seen before is ignored by the tracker
  if (event->type == "StockReserved") on_saga_final(event->correlation_id, "COMPLETED");
  if (event->type == "PaymentFailed" || event->type == "PaymentRefunded") {
    on_saga_final(event->correlation_id, "COMPENSATED");
  }
  return true;
}

void OrderService::on_command(const SagaCommand& command) {
  StepResult answer = StepResult::success(command);
  saga::SagaRunner* runner = runner_.get();
  if (command.target == "confirmOrder") {
    // Local to the order service: confirmed in its own database.
    context_.service(Node::kOrder).handle([runner, answer = std::move(answer)](bool failed) mutable {
      if (failed) {
        answer.ok = false;
        answer.error_kind = "unavailable";
      }
      (void)runner->on_result(std::move(answer));
    });
    return;
  }
  const bool to_inventory = command.target == "reserveStock" || command.target == "releaseStock";
  const Node target = to_inventory ? Node::kInventory : Node::kPayment;
  const MessageKind kind =
      command.operation == Operation::kCompensation ? MessageKind::kCompensation : MessageKind::kRequest;
  std::string key = std::string(command.saga_id) + ":" + std::string(command.step_name);
  const nlohmann::json& data = *command.input;
  const auto product = data.value("product", 0u);
  const auto quantity = data.value("quantity", 1u);
  std::string card = data.value("card", std::string());
  const auto cents = data.value("cents", std::int64_t{0});
  const std::string target_name(command.target);
  context_.call(
      Node::kOrder, target, kind, command.target, command.saga_id,
      [this, target_name, key = std::move(key), product, quantity, card = std::move(card), cents](bool failed) {
        if (failed) return Reply{.ok = false, .error = "unavailable"};
        if (target_name == "reserveStock")
          return reply_of(context_.inventory.reserve(key, product, quantity), "out_of_stock");
        if (target_name == "releaseStock") return reply_of(context_.inventory.release(key), "");
        if (target_name == "charge") return reply_of(context_.payment.charge(key, card, cents), "declined");
        return reply_of(context_.payment.refund(key), "");
      },
      // Runs only in the process that sent the command (call() drops replies across a crash).
      [runner, answer = std::move(answer)](const Reply& reply) mutable {
        StepResult result = answer;
        if (!reply.ok) {
          result.ok = false;
          result.error_kind = reply.error;
          result.error_message = reply.error;
          result.retryable = reply.error == "unavailable";
        }
        (void)runner->on_result(std::move(result));
      });
}

void OrderService::on_saga_final(std::string_view saga_id, std::string_view state) {
  auto found = orders_.find(saga_id);
  if (found == orders_.end() || found->second.status != OrderStatus::kPending) return;
  Order& order = found->second;
  order.saga_state = std::string(state);
  std::string type;
  if (state == "COMPLETED") {
    order.status = OrderStatus::kConfirmed;
    ++stats_.confirmed;
    type = "OrderConfirmed";
  } else if (state == "COMPENSATED") {
    order.status = OrderStatus::kCancelled;
    ++stats_.cancelled;
    type = "OrderCancelled";
  } else {
    order.status = OrderStatus::kNeedsAttention;
    ++stats_.needs_attention;
    type = "OrderNeedsAttention";
  }
  publish({.type = std::move(type), .correlation_id = order.request.id});
}

}  // namespace sluice::sim
