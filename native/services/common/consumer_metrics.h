// consumer_metrics.h: ConsumerMetrics, what a service's message consumers count about
// the messages they could not handle:
//   sluice_messages_rejected_total{service, queue, reason}  refused at the door (a poison
//     message: not JSON, a field of the wrong type, ...), once per message
//   sluice_message_handler_failures_total{service, queue}    a handler threw; the message
//     is redelivered and ends in the queue's DLQ if it keeps failing
#ifndef SLUICE_NATIVE_SERVICES_COMMON_CONSUMER_METRICS_H_
#define SLUICE_NATIVE_SERVICES_COMMON_CONSUMER_METRICS_H_

#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include <string>
#include <string_view>

namespace sluice::native {

class ConsumerMetrics {
 public:
  ConsumerMetrics(prometheus::Registry& registry, std::string service);

  void rejected(std::string_view queue, std::string_view reason);
  void handler_failed(std::string_view queue);

 private:
  std::string service_;
  prometheus::Family<prometheus::Counter>& rejected_;
  prometheus::Family<prometheus::Counter>& handler_failures_;
};

}  // namespace sluice::native

#endif  // SLUICE_NATIVE_SERVICES_COMMON_CONSUMER_METRICS_H_
