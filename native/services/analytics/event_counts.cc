#include "native/services/analytics/event_counts.h"

namespace sluice::native {

EventCounts::EventCounts(prometheus::Registry& registry)
    : events_(prometheus::BuildCounter()
                  .Name("order_events_total")
                  .Help("Order events processed, each once, by type")
                  .Register(registry)),
      duration_(prometheus::BuildHistogram()
                    .Name("order_event_processing_seconds")
                    .Help("Time from receiving an order event to having counted it")
                    .Register(registry)),
      seen_(100'000) {}

bool EventCounts::record(const services::OrderEvent& event, std::chrono::steady_clock::time_point started) {
  const std::string& type = event.event_type;
  if (!seen_.insert(event.idempotency_key)) {
    ++duplicates_;
    return false;
  }
  ++by_type_[type];
  if (type == "OrderConfirmed" && event.total) confirmed_revenue_ += *event.total;
  events_.Add({{"event_type", type}}).Increment();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  duration_.Add({{"event_type", type}}, prometheus::Histogram::BucketBoundaries{0.001, 0.01, 0.05, 0.1, 0.5, 1, 5})
      .Observe(seconds);
  return true;
}

nlohmann::json EventCounts::summary() const {
  nlohmann::json events = nlohmann::json::object();
  for (const auto& [type, count] : by_type_) events[type] = count;
  return {{"events", events}, {"duplicates", duplicates_}, {"confirmedRevenue", confirmed_revenue_}};
}

}  // namespace sluice::native
