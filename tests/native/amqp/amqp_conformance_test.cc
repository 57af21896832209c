// The broker conformance suite on RabbitMQ (a private server, see
// tests/testing/with_rabbitmq.sh): what it cannot honour is refused as unsupported and
// shows here as skipped, with the reason.
#include "tests/core/broker/conformance/broker_conformance.h"
#include "tests/native/amqp/amqp_backend.h"

namespace sluice::broker {
namespace {

const Backend kBackends[] = {
    {.name = "rabbitmq",
     .make = [](time::VirtualTime& time) -> std::unique_ptr<MessageBroker> {
       return native::testing::connect_amqp(time);
     },
     .pump = [](MessageBroker& broker,
                std::chrono::milliseconds wait) { static_cast<native::AmqpBroker&>(broker).pump(wait); },
     .cleanup =
         [](MessageBroker& broker) {
           const Status status = static_cast<native::AmqpBroker&>(broker).delete_declared();
           EXPECT_TRUE(status.ok()) << status.message();
         },
     .all_or_none_publish = false,
     .server_clock = true},
};

INSTANTIATE_TEST_SUITE_P(Backends, BrokerConformanceTest, ::testing::ValuesIn(kBackends), BackendName);

}  // namespace
}  // namespace sluice::broker
