// event_counts.h: EventCounts, what the analytics service keeps of order events: per
// event type, how many arrived (each once: copies, by idempotency key, are dropped)
// and how long processing took, as Prometheus RED metrics
// (order_events_total{event_type},
// order_event_processing_seconds{event_type}), and the revenue of confirmed orders.
#ifndef SLUICE_NATIVE_SERVICES_ANALYTICS_EVENT_COUNTS_H_
#define SLUICE_NATIVE_SERVICES_ANALYTICS_EVENT_COUNTS_H_

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "core/base/result.h"
#include "core/saga/recent_keys.h"
#include "core/services/common/order_event.h"

namespace sluice::native {

class EventCounts {
 public:
  explicit EventCounts(prometheus::Registry& registry);

  // record: counts `event` unless it was counted already (false then).
  bool record(const services::OrderEvent& event, std::chrono::steady_clock::time_point started);

  // summary: {"events": {"OrderCreated": n, ...}, "duplicates": n, "confirmedRevenue": x}
  nlohmann::json summary() const;

 private:
  prometheus::Family<prometheus::Counter>& events_;
  prometheus::Family<prometheus::Histogram>& duration_;
  saga::RecentKeys seen_;
  std::map<std::string, std::uint64_t> by_type_;
  std::uint64_t duplicates_ = 0;
  double confirmed_revenue_ = 0;
};

}  // namespace sluice::native

#endif  // SLUICE_NATIVE_SERVICES_ANALYTICS_EVENT_COUNTS_H_
