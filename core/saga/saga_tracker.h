// saga_tracker.h: SagaTracker, which reconstructs choreographed sagas from the events
// it observes, so that a flow with no orchestrator is as visible as one with: the same
// states (RUNNING, COMPENSATING, COMPLETED, COMPENSATED), a reason, the merged payloads
// and a timeline, per correlation id.
//
//   SagaTracker tracker(article_order_flow(), clock, &sink);
//   tracker.observe(event);                 // every event of the flow, in any order
//   tracker.find("order-42")->state();      // kCompensated
//   tracker.stalled(std::chrono::seconds(30));  // running, but silent for 30 s
//
// A flow says what each event type means. Events of a saga that has ended are kept in
// its timeline but do not change its state; a copy of an event already seen (same
// idempotency key) is ignored.
#ifndef SLUICE_CORE_SAGA_SAGA_TRACKER_H_
#define SLUICE_CORE_SAGA_SAGA_TRACKER_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/status.h"
#include "core/observe/event.h"
#include "core/saga/recent_keys.h"
#include "core/saga/saga_event.h"
#include "core/saga/saga_record.h"
#include "core/time/clock.h"

namespace sluice::saga {

enum class FlowEffect : std::uint8_t {
  kStarts,           // the saga begins (RUNNING)
  kStepCompleted,    // a participant did its part
  kStepFailed,       // a participant could not: the saga compensates
  kStepCompensated,  // a participant undid its part
  kCompletes,        // the saga succeeded (COMPLETED)
  kCancels,          // the saga ended undone (COMPENSATED)
};

struct FlowRule {
  std::string event_type;
  FlowEffect effect = FlowEffect::kStepCompleted;
  std::string step;  // the participant's step, for step effects
};

struct ChoreographyFlow {
  std::string name;
  std::vector<FlowRule> rules;

  // validate: a name, event types unique and non-empty, a step for step effects, and
  // at least one rule that starts, one that completes and one that cancels.
  Status validate() const;
  const FlowRule* rule_for(std::string_view event_type) const;
};

// article_order_flow: the article's choreographed order saga. OrderCreated ->
// PaymentCharged -> StockReserved -> OrderConfirmed; PaymentFailed -> StockReleased,
// OrderCancelled; StockReservationFailed -> PaymentRefunded, OrderCancelled.
ChoreographyFlow article_order_flow();

struct TrackedEvent {
  std::string type;
  std::string step;
  FlowEffect effect = FlowEffect::kStepCompleted;
  time::Instant at;
};

struct TrackedSaga {
  std::string correlation_id;
  SagaState state = SagaState::kRunning;
  std::string reason;
  nlohmann::json data = nlohmann::json::object();  // payloads merged in order seen
  std::vector<TrackedEvent> timeline;
  std::set<std::string> completed_steps;
  std::set<std::string> compensated_steps;
  time::Instant last_event_at;
};

class SagaTracker {
 public:
  // REQUIRES: flow.validate().ok(); the clock and sink outlive the tracker. Copies are
  // recognised among the last `remembered_keys` events.
  SagaTracker(ChoreographyFlow flow, const time::Clock& clock, observe::EventSink* events = nullptr,
              std::size_t remembered_keys = 100'000);

  // observe: takes one event into account. An event type the flow does not know is an
  // error and changes nothing.
  Status observe(const SagaEvent& event);

  const TrackedSaga* find(std::string_view correlation_id) const;
  // stalled: sagas still running or compensating whose last event is older than `quiet`.
  std::vector<const TrackedSaga*> stalled(time::Duration quiet) const;
  std::size_t size() const { return sagas_.size(); }
  const ChoreographyFlow& flow() const { return flow_; }

 private:
  void report(const TrackedSaga& saga, std::string_view what, std::string_view type);

  ChoreographyFlow flow_;
  const time::Clock& clock_;
  observe::EventSink* events_;
  std::map<std::string, TrackedSaga, std::less<>> sagas_;
  RecentKeys seen_keys_;
};

}  // namespace sluice::saga

#endif  // SLUICE_CORE_SAGA_SAGA_TRACKER_H_
