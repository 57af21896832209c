#include "native/services/common/consumer_metrics.h"

namespace sluice::native {

ConsumerMetrics::ConsumerMetrics(prometheus::Registry& registry, std::string service)
    : service_(std::move(service)),
      rejected_(prometheus::BuildCounter()
                    .Name("sluice_messages_rejected_total")
                    .Help("Messages refused by a consumer because they failed validation, once per message")
                    .Register(registry)),
      handler_failures_(prometheus::BuildCounter()
                            .Name("sluice_message_handler_failures_total")
                            .Help("Messages whose handler threw; they are redelivered, then dead-lettered")
                            .Register(registry)) {}

void ConsumerMetrics::rejected(std::string_view queue, std::string_view reason) {
  rejected_.Add({{"service", service_}, {"queue", std::string(queue)}, {"reason", std::string(reason)}}).Increment();
}

void ConsumerMetrics::handler_failed(std::string_view queue) {
  handler_failures_.Add({{"service", service_}, {"queue", std::string(queue)}}).Increment();
}

}  // namespace sluice::native
