// The conformance suite on the in-process backends.
#include "tests/core/broker/conformance/broker_conformance.h"

#include "core/broker/in_memory_broker.h"
#include "core/broker/synchronized_broker.h"

namespace sluice::broker {
namespace {

const Backend kBackends[] = {
    {.name = "in_memory",
     .make = [](time::VirtualTime& time) { return std::make_unique<InMemoryBroker>(time, time::Prng(7)); }},
    // The locking wrapper must change nothing a single caller can see.
    {.name = "synchronized_in_memory",
     .make =
         [](time::VirtualTime& time) {
           return std::make_unique<SynchronizedBroker>(
               time, [](time::Scheduler& s) { return std::make_unique<InMemoryBroker>(s, time::Prng(7)); });
         }},
};

INSTANTIATE_TEST_SUITE_P(Backends, BrokerConformanceTest, ::testing::ValuesIn(kBackends), BackendName);

}  // namespace
}  // namespace sluice::broker
