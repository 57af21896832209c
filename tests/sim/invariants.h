// invariants.h: what must hold after any simulated run once it is quiet (traffic over,
// faults undone, time given to settle), whatever faults it went through.
//
//   std::vector<std::string> broken = check_invariants(world);   // empty: all hold
//
//  - no saga is stuck: every order's saga ended COMPLETED, COMPENSATED or
//    FAILED_NEEDS_ATTENTION, and the outbox has published everything;
//  - stock is conserved: initial = on hand + held reservations; only confirmed orders
//    hold stock, and every confirmed order does;
//  - money is conserved: charged - refunded = held charges; only confirmed orders are
//    charged, and every confirmed order is;
//  - nothing acknowledged is lost: every event the broker acknowledged to the outbox
//    was handled by notification or is in its dead-letter queue;
//  - FIFO per order: notification handled an order's "created" before its outcome,
//    and at most one outcome;
//  - deduplication: the queue accepted each event key once however often it was sent;
//  - analytics (unless a consumer bug was never repaired by a replay) counted exactly
//    the acknowledged events;
//  - a half-open breaker never let through more than its permitted probes;
//  - the retry budget was never exceeded.
//
// The trace must still hold every event of the run (nothing discarded).
#ifndef SLUICE_TESTS_SIM_INVARIANTS_H_
#define SLUICE_TESTS_SIM_INVARIANTS_H_

#include <string>
#include <vector>

#include "core/sim/world.h"

namespace sluice::sim::testing {

std::vector<std::string> check_invariants(World& world);

// PathsHit: which interesting paths a run took, for "sometimes" assertions over seeds.
struct PathsHit {
  bool breaker_opened = false;
  bool breaker_half_open = false;
  bool compensated = false;
  bool dead_lettered = false;
  bool redelivered = false;
  bool order_recovered = false;
  bool retry_refused = false;
  bool message_lost = false;
  bool message_duplicated = false;
  bool clock_jumped_forward = false;
  bool clock_jumped_back = false;
};

PathsHit paths_hit(World& world);

}  // namespace sluice::sim::testing

#endif  // SLUICE_TESTS_SIM_INVARIANTS_H_
