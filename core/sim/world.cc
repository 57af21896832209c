#include "core/sim/world.h"

#include <utility>

namespace sluice::sim {
namespace {

constexpr std::string_view kDeclinedCard = "4111111111110000";
constexpr std::string_view kGoodCard = "4111111111111111";

}  // namespace

Result<std::unique_ptr<World>> World::create(const Scenario& scenario, std::optional<std::uint64_t> seed) {
  std::unique_ptr<World> world(new World(scenario, seed.value_or(scenario.seed)));
  SLUICE_RETURN_IF_ERROR(world->set_up_broker());
  world->order_ = std::make_unique<OrderService>(world->context_, world->prng_.fork());
  world->notification_ = std::make_unique<NotificationConsumer>(world->context_);
  world->analytics_ = std::make_unique<AnalyticsConsumer>(world->context_);
  world->notification_->start();
  world->analytics_->start();
  if (scenario.saga.mode == SagaMode::kChoreography) {
    world->participants_ = std::make_unique<ChoreographyParticipants>(world->context_);
    world->participants_->start();
  }
  for (const Fault& fault : scenario.faults) {
    World* w = world.get();
    w->time_.schedule_at(time::Instant(fault.at), [w, fault] { w->inject(fault); });
  }
  world->schedule_next_order();
  return world;
}

World::World(const Scenario& scenario, std::uint64_t seed)
    : scenario_(scenario),
      seed_(seed),
      prng_(seed),
      traffic_prng_(prng_.fork()),
      network_(time_, prng_.fork(), trace_),
      broker_(std::make_unique<broker::InMemoryBroker>(time_, prng_.fork(), &trace_)),
      inventory_(scenario.traffic.products, scenario.traffic.initial_stock),
      context_{.scenario = scenario_,
               .time = time_,
               .clocks = clocks_,
               .trace = trace_,
               .network = network_,
               .services = services_,
               .broker = *broker_,
               .inventory = inventory_,
               .payment = payment_} {
  network_.set_all_links(scenario_.network);
  for (const LinkOverride& link : scenario_.links) network_.link(link.from, link.to) = link.config;
  for (std::size_t i = 0; i < kNodeCount; ++i) {
    clocks_[i] = std::make_unique<NodeClock>(time_);
    services_[i] = std::make_unique<SimService>(static_cast<Node>(i), scenario_.services[i], time_, prng_.fork(),
                                                network_, trace_);
  }
}

World::~World() {
  // The order service's runner cancels its timers; it goes before the time it uses.
  participants_.reset();
  order_.reset();
}

Status World::set_up_broker() {
  broker::QueueConfig dlq{.fifo = true};
  SLUICE_RETURN_IF_ERROR(broker_->create_queue(kNotificationDlq, dlq));
  broker::QueueConfig queue{.fifo = true, .visibility_timeout = scenario_.notifications.visibility_timeout};
  queue.redrive = broker::RedrivePolicy{.dead_letter_queue = std::string(kNotificationDlq),
                                        .max_receive_count = scenario_.notifications.max_receive_count};
  SLUICE_RETURN_IF_ERROR(broker_->create_queue(kNotificationQueue, queue));
  SLUICE_RETURN_IF_ERROR(broker_->declare_exchange(kOrdersExchange, broker::ExchangeType::kTopic));
  for (std::string_view type : {"OrderCreated", "OrderConfirmed", "OrderCancelled", "OrderNeedsAttention"}) {
    SLUICE_RETURN_IF_ERROR(broker_->bind_queue(kNotificationQueue, kOrdersExchange, type, broker::Headers{}));
  }
  if (scenario_.saga.mode == SagaMode::kChoreography) {
    SLUICE_RETURN_IF_ERROR(set_up_choreography_queues(*broker_));
  }
  return broker_->create_topic(kOrderEventsLog, {.partitions = kOrderEventsPartitions});
}

double World::rate_at(time::Instant at) const {
  const time::Duration since_start = at.time_since_epoch();
  for (const TrafficPhase& phase : scenario_.traffic.phases) {
    if (since_start >= phase.from && since_start < phase.until) return phase.orders_per_second;
  }
  return scenario_.traffic.orders_per_second;
}

void World::schedule_next_order() {
  const double rate = rate_at(time_.now());
  // Gaps uniform in [0.5, 1.5] of the mean: bursty enough, and no libm call whose last
  // bit could differ between native and WebAssembly builds.
  const double mean_ns = rate > 0 ? 1e9 / rate : 1e8;
  const auto gap = time::Duration(static_cast<std::int64_t>(mean_ns * (0.5 + traffic_prng_.uniform_unit())));
  const time::Instant next = time_.now() + gap;
  if (next >= end_of_traffic()) return;
  time_.schedule_at(next, [this, rate] {
    if (rate > 0) send_order();
    schedule_next_order();
  });
}

void World::send_order() {
  const TrafficConfig& traffic = scenario_.traffic;
  OrderRequest request;
  request.id = "order-" + std::to_string(++orders_sent_);
  request.product = static_cast<std::uint32_t>(traffic_prng_.uniform_below(traffic.products));
  request.quantity = static_cast<std::uint32_t>(traffic_prng_.uniform_int(1, 3));
  if (traffic_prng_.chance(traffic.out_of_stock_share)) request.quantity = traffic.initial_stock + 1;
  request.card = std::string(traffic_prng_.chance(traffic.declined_share) ? kDeclinedCard : kGoodCard);
  request.cents = traffic_prng_.uniform_int(500, 20'000);
  context_.note("order.sent", Node::kClient, {{"subject", std::string_view(request.id)}});
  // The id is copied first: arguments are evaluated in no set order, and the lambda
  // below takes the request.
  const std::string id = request.id;
  network_.send(Node::kClient, Node::kOrder, MessageKind::kRequest, "POST /api/orders", id,
                [this, request = std::move(request)]() mutable { order_->place(std::move(request)); });
}

void World::inject(const Fault& fault) {
  std::array<observe::Attribute, 4> attributes = {{{"action", fault_action_name(fault.action)},
                                                   {"target", node_name(fault.target)},
                                                   {"peer", fault.peer ? node_name(*fault.peer) : ""},
                                                   {"jump_ns", static_cast<std::int64_t>(fault.jump.count())}}};
  trace_.on_event(
      {.what = "fault.injected", .where = node_name(fault.target), .when = time_.now(), .attributes = attributes});
  apply(fault);
  if (fault.lasts) time_.schedule_after(*fault.lasts, [this, fault] { undo(fault); });
}

Status World::configure_stock_check(const resilience::ResilienceConfig& config) {
  if (config.bulkhead || config.rate_limiter || config.outlier_detection) {
    return Status::invalid_argument(
        "the simulated stock check takes circuit_breaker, retry, retry_budget and timeout only");
  }
  scenario_.inventory_client = config;
  order_->rebuild_inventory_client();
  trace_.on_event({.what = "config.applied", .where = node_name(Node::kOrder), .when = time_.now()});
  return Status();
}

void World::apply(const Fault& fault) {
  SimService& service = *services_[static_cast<std::size_t>(fault.target)];
  switch (fault.action) {
    case FaultAction::kCrash:
      if (!service.up()) return;
      service.crash();
      if (fault.target == Node::kOrder) order_->crash();
      if (fault.target == Node::kNotification) notification_->crash();
      if (fault.target == Node::kAnalytics) analytics_->crash();
      if (participants_) participants_->crash(fault.target);
      return;
    case FaultAction::kRestart:
      if (service.up()) return;
      service.restart();
      if (fault.target == Node::kOrder) order_->restart();
      if (fault.target == Node::kNotification) notification_->start();
      if (fault.target == Node::kAnalytics) analytics_->start();
      if (participants_) participants_->restart(fault.target);
      return;
    case FaultAction::kAddLatency:
      service.set_added_latency(fault.latency);
      return;
    case FaultAction::kErrorRate:
      service.set_error_rate(fault.value);
      return;
    case FaultAction::kSlowDown:
      service.set_slowdown(fault.value);
      return;
    case FaultAction::kPartition:
      network_.set_partitioned(fault.target, *fault.peer, true);
      return;
    case FaultAction::kHeal:
      network_.set_partitioned(fault.target, *fault.peer, false);
      return;
    case FaultAction::kLinkLoss:
      network_.link(fault.target, *fault.peer).loss = fault.value;
      return;
    case FaultAction::kLinkDuplicate:
      network_.link(fault.target, *fault.peer).duplicate = fault.value;
      return;
    case FaultAction::kConsumerBug:
      analytics_->set_bug(true);
      return;
    case FaultAction::kReplay:
      analytics_->replay(time::Instant(fault.from));
      return;
    case FaultAction::kClockJump:
      clocks_[static_cast<std::size_t>(fault.target)]->jump(fault.jump);
      return;
  }
}

void World::undo(const Fault& fault) {
  Fault reverse = fault;
  reverse.lasts.reset();
  const ServiceConfig& normal = scenario_.services[static_cast<std::size_t>(fault.target)];
  switch (fault.action) {
    case FaultAction::kCrash:
      reverse.action = FaultAction::kRestart;
      break;
    case FaultAction::kAddLatency:
      reverse.latency = time::Duration(0);
      break;
    case FaultAction::kErrorRate:
      reverse.value = normal.error_rate;
      break;
    case FaultAction::kSlowDown:
      reverse.value = 1;
      break;
    case FaultAction::kPartition:
      reverse.action = FaultAction::kHeal;
      break;
    case FaultAction::kLinkLoss:
      reverse.value = scenario_.network.loss;
      break;
    case FaultAction::kLinkDuplicate:
      reverse.value = scenario_.network.duplicate;
      break;
    case FaultAction::kConsumerBug:
      trace_.on_event({.what = "fault.undone", .where = node_name(fault.target), .when = time_.now()});
      analytics_->set_bug(false);
      return;
    case FaultAction::kClockJump:
      reverse.jump = -fault.jump;  // the clock is set right again
      break;
    case FaultAction::kRestart:
    case FaultAction::kHeal:
    case FaultAction::kReplay:
      return;  // nothing to undo
  }
  trace_.on_event({.what = "fault.undone", .where = node_name(fault.target), .when = time_.now()});
  apply(reverse);
}

nlohmann::json World::stats() {
  nlohmann::json out = {{"t", time::nanos_since_epoch(time_.now())}, {"seed", seed_}};
  nlohmann::json services = nlohmann::json::object();
  for (const auto& service : services_) {
    const ServiceStats& s = service->stats();
    services[std::string(node_name(service->node()))] = {
        {"up", service->up()},
        {"handled", s.handled},
        {"failed", s.failed},
        {"in_progress", s.in_progress},
        {"queued", s.queued},
        {"crashes", s.crashes},
        {"error_rate", service->error_rate()},
        {"added_latency_ms", static_cast<double>(service->added_latency().count()) / 1e6},
        {"slowdown", service->slowdown()}};
  }
  out["services"] = std::move(services);
  const OrderStats& o = order_->stats();
  out["orders"] = {{"sent", orders_sent_},
                   {"received", o.received},
                   {"rejected_out_of_stock", o.rejected_out_of_stock},
                   {"failed", o.failed},
                   {"sagas_started", o.sagas_started},
                   {"running", order_->running_sagas()},
                   {"confirmed", o.confirmed},
                   {"cancelled", o.cancelled},
                   {"needs_attention", o.needs_attention}};
  if (const InventoryClient* client = order_->inventory_client()) {
    const InventoryClientStats& c = client->stats();
    nlohmann::json stock_check = {
        {"calls", c.calls},
        {"attempts", c.attempts},
        {"retries", c.retries},
        {"timeouts", c.timeouts},
        {"rejected", c.rejected},
        {"fallbacks", c.fallbacks},
        {"breaker", client->breaker() != nullptr ? std::string(resilience::to_string(client->breaker()->state()))
                                                 : std::string("NONE")}};
    out["stock_check"] = std::move(stock_check);
  }
  for (const auto& [key, queue] :
       {std::pair{"notifications", kNotificationQueue}, std::pair{"dlq", kNotificationDlq}}) {
    const Result<broker::QueueStats> q = broker_->queue_stats(queue);
    if (q.ok()) {
      out["queues"][key] = {{"visible", q->visible},
                            {"in_flight", q->in_flight},
                            {"sent", q->sent},
                            {"deleted", q->deleted},
                            {"dead_lettered", q->dead_lettered}};
    }
  }
  // Every queue's depth, for the page's queue list.
  nlohmann::json depths = nlohmann::json::array();
  for (const std::string& name : broker_->list_queues("")) {
    const Result<broker::QueueStats> q = broker_->queue_stats(name);
    if (q.ok()) depths.push_back({{"name", name}, {"visible", q->visible}, {"in_flight", q->in_flight}});
  }
  out["queue_depths"] = std::move(depths);
  const OutboxStats outbox = order_->outbox().stats();
  out["outbox"] = {{"written", outbox.written},
                   {"acknowledged", outbox.acknowledged},
                   {"resent", outbox.resent},
                   {"pending", outbox.pending}};
  const NotificationStats& n = notification_->stats();
  out["notification"] = {
      {"received", n.received}, {"handled", n.handled}, {"duplicates", n.duplicates}, {"failed", n.failed}};
  const AnalyticsStats& a = analytics_->stats();
  out["analytics"] = {{"counted", a.counted},
                      {"miscounted", a.miscounted},
                      {"replays", a.replays},
                      {"bug", analytics_->bug()},
                      {"confirmed", analytics_->count_of("OrderConfirmed")},
                      {"cancelled", analytics_->count_of("OrderCancelled")}};
  const NetworkStats& net = network_.stats();
  out["network"] = {{"sent", net.sent},
                    {"delivered", net.delivered},
                    {"lost", net.lost},
                    {"dropped_down", net.dropped_down},
                    {"duplicated", net.duplicated}};
  out["events"] = trace_.end();
  return out;
}

}  // namespace sluice::sim
