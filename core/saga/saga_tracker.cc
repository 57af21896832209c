#include "core/saga/saga_tracker.h"

#include <array>
#include <utility>

#include "core/base/check.h"

namespace sluice::saga {
namespace {

bool is_step_effect(FlowEffect effect) {
  return effect == FlowEffect::kStepCompleted || effect == FlowEffect::kStepFailed ||
         effect == FlowEffect::kStepCompensated;
}

}  // namespace

Status ChoreographyFlow::validate() const {
  if (name.empty()) return Status::invalid_argument("choreography flow: name must not be empty");
  std::set<std::string_view> types;
  std::array<bool, 6> effects{};
  for (const FlowRule& rule : rules) {
    if (rule.event_type.empty()) return Status::invalid_argument("flow \"" + name + "\": an event type is empty");
    if (!types.insert(rule.event_type).second) {
      return Status::invalid_argument("flow \"" + name + "\": event \"" + rule.event_type + "\" has two rules");
    }
    if (is_step_effect(rule.effect) && rule.step.empty()) {
      return Status::invalid_argument("flow \"" + name + "\": event \"" + rule.event_type + "\" needs a step");
    }
    effects[static_cast<std::size_t>(rule.effect)] = true;
  }
  if (!effects[static_cast<std::size_t>(FlowEffect::kStarts)] ||
      !effects[static_cast<std::size_t>(FlowEffect::kCompletes)] ||
      !effects[static_cast<std::size_t>(FlowEffect::kCancels)]) {
    return Status::invalid_argument("flow \"" + name + "\": needs events that start, complete and cancel a saga");
  }
  return Status();
}

const FlowRule* ChoreographyFlow::rule_for(std::string_view event_type) const {
  for (const FlowRule& rule : rules) {
    if (rule.event_type == event_type) return &rule;
  }
  return nullptr;
}

ChoreographyFlow article_order_flow() {
  return {.name = "OrderFlow",
          .rules = {
              {"OrderCreated", FlowEffect::kStarts, ""},
              {"PaymentCharged", FlowEffect::kStepCompleted, "payment"},
              {"StockReserved", FlowEffect::kStepCompleted, "inventory"},
              {"OrderConfirmed", FlowEffect::kCompletes, ""},
              {"PaymentFailed", FlowEffect::kStepFailed, "payment"},
              {"StockReservationFailed", FlowEffect::kStepFailed, "inventory"},
              {"StockReleased", FlowEffect::kStepCompensated, "inventory"},
              {"PaymentRefunded", FlowEffect::kStepCompensated, "payment"},
              {"OrderCancelled", FlowEffect::kCancels, ""},
          }};
}

SagaTracker::SagaTracker(ChoreographyFlow flow, const time::Clock& clock, observe::EventSink* events,
                         std::size_t remembered_keys)
    : flow_(std::move(flow)), clock_(clock), events_(events), seen_keys_(remembered_keys) {
  SLUICE_CHECK(flow_.validate().ok());
}

Status SagaTracker::observe(const SagaEvent& event) {
  const FlowRule* rule = flow_.rule_for(event.type);
  if (rule == nullptr) {
    return Status::invalid_argument("flow \"" + flow_.name + "\" has no event \"" + event.type + "\"");
  }
  if (event.correlation_id.empty()) return Status::invalid_argument("saga event without a correlation id");
  if (!seen_keys_.insert(event.key())) return Status();
  // Events travel on different queues, so a saga may first be seen in the middle.
  TrackedSaga& saga = sagas_[event.correlation_id];
  saga.correlation_id = event.correlation_id;
  saga.last_event_at = clock_.now();
  saga.timeline.push_back({.type = event.type, .step = rule->step, .effect = rule->effect, .at = saga.last_event_at});
  if (event.payload.is_object()) saga.data.update(event.payload);
  if (!is_final(saga.state)) {
    switch (rule->effect) {
      case FlowEffect::kStarts:
        break;
      case FlowEffect::kStepCompleted:
        saga.completed_steps.insert(rule->step);
        break;
      case FlowEffect::kStepFailed:
        saga.state = SagaState::kCompensating;
        saga.reason = "step \"" + rule->step + "\" failed (" + event.type + ")";
        if (const auto it = event.payload.find("reason"); it != event.payload.end() && it->is_string()) {
          saga.reason += ": " + it->get<std::string>();
        }
        break;
      case FlowEffect::kStepCompensated:
        saga.compensated_steps.insert(rule->step);
        break;
      case FlowEffect::kCompletes:
        saga.state = SagaState::kCompleted;
        break;
      case FlowEffect::kCancels:
        saga.state = SagaState::kCompensated;
        if (saga.reason.empty()) saga.reason = "cancelled (" + event.type + ")";
        break;
    }
  }
  report(saga, "saga.event_observed", event.type);
  return Status();
}

const TrackedSaga* SagaTracker::find(std::string_view correlation_id) const {
  const auto it = sagas_.find(correlation_id);
  return it == sagas_.end() ? nullptr : &it->second;
}

std::vector<const TrackedSaga*> SagaTracker::stalled(time::Duration quiet) const {
  std::vector<const TrackedSaga*> out;
  const time::Instant now = clock_.now();
  for (const auto& [id, saga] : sagas_) {
    if (!is_final(saga.state) && now - saga.last_event_at > quiet) out.push_back(&saga);
  }
  return out;
}

void SagaTracker::report(const TrackedSaga& saga, std::string_view what, std::string_view type) {
  if (events_ == nullptr) return;
  const std::array<observe::Attribute, 3> attributes = {
      {{"flow", std::string_view(flow_.name)}, {"event", type}, {"state", saga_state_name(saga.state)}}};
  events_->on_event({.what = what, .where = saga.correlation_id, .when = saga.last_event_at, .attributes = attributes});
}

}  // namespace sluice::saga
