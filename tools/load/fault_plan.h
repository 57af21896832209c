// fault_plan.h: FaultPlan, faults the load generator sets on services while it runs,
// through their /admin/faults endpoints (services started with --enable_admin, as the
// stack starts them):
//
//   --faults=inventory:latency_ms=3000@10s-20s,payment:error_rate=0.5@5s-15s
//
// Each window is SERVICE:SETTING=VALUE@FROM-TO, with times from the start of the run;
// SETTING is latency_ms (added to every request) or error_rate (0 to 1, answered 503).
#ifndef SLUICE_TOOLS_LOAD_FAULT_PLAN_H_
#define SLUICE_TOOLS_LOAD_FAULT_PLAN_H_

#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"
#include "core/time/instant.h"

namespace sluice::load {

struct FaultWindow {
  std::string service;
  std::string setting;  // latency_ms or error_rate
  double value = 0;
  time::Duration from{};
  time::Duration to{};
};

// parse_fault_plan: the windows, or an error naming the part that is wrong.
Result<std::vector<FaultWindow>> parse_fault_plan(std::string_view text);

}  // namespace sluice::load

#endif  // SLUICE_TOOLS_LOAD_FAULT_PLAN_H_
