// broker_conformance.h: the conformance suite every MessageBroker backend runs. The
// cases (broker_conformance_cases.cc) are one library; each backend's test binary
// instantiates them with its Backend:
//
//   INSTANTIATE_TEST_SUITE_P(Backends, BrokerConformanceTest, ::testing::ValuesIn(kBackends), BackendName);
//
// A backend that cannot honour a case says so: an operation refused with
// broker_error::kUnsupported skips the case with that message, and the Backend's flags
// below skip the cases whose difference cannot be refused, with the reason. Never by
// diverging silently.
#ifndef SLUICE_TESTS_CORE_BROKER_CONFORMANCE_BROKER_CONFORMANCE_H_
#define SLUICE_TESTS_CORE_BROKER_CONFORMANCE_BROKER_CONFORMANCE_H_

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "core/broker/message_broker.h"
#include "core/time/virtual_time.h"

namespace sluice::broker {

struct Backend {
  std::string name;
  // make: the backend on this virtual time (its own timers run on it).
  std::function<std::unique_ptr<MessageBroker>(time::VirtualTime&)> make;
  // pump: a backend over the network reads what its server pushed, waiting up to the
  // given time; null for one in the process.
  std::function<void(MessageBroker&, std::chrono::milliseconds)> pump;
  // cleanup: after each case, for a backend whose server outlives it.
  std::function<void(MessageBroker&)> cleanup;
  // all_or_none_publish: a publish that one target refuses reaches no target.
  bool all_or_none_publish = true;
  // server_clock: message TTLs run on the server's real clock, not on virtual time.
  bool server_clock = false;
};

inline void PrintTo(const Backend& backend, std::ostream* out) { *out << backend.name; }

inline std::string BackendName(const ::testing::TestParamInfo<Backend>& info) { return info.param.name; }

class BrokerConformanceTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override;
  void TearDown() override;

  void create(std::string_view name, QueueConfig config = {});
  // receive: now (no wait) from `queue`; runs the scheduler so the answer arrives.
  std::vector<BrokerMessage> receive(std::string_view queue, std::uint32_t max = 10);
  static std::vector<std::string> bodies(const std::vector<BrokerMessage>& messages);
  // eventually: true once `done` holds. Runs what is due now and, for a backend over the
  // network, reads what its server sends meanwhile, for up to 10 s of real time.
  bool eventually(const std::function<bool()>& done);
  // wait_on_server_clock: lets `d` pass for the server's own timers (TTLs) too.
  void wait_on_server_clock(time::Duration d);

  time::VirtualTime time_;
  std::unique_ptr<MessageBroker> broker_;
};

}  // namespace sluice::broker

// SKIP_IF_UNSUPPORTED: runs `expr` (a Status); if the backend refused it as unsupported,
// the case is skipped with the backend's reason.
#define SKIP_IF_UNSUPPORTED(expr)                                                \
  do {                                                                           \
    const ::sluice::Status skip_status_ = (expr);                                \
    if (skip_status_.reason() == ::sluice::broker::broker_error::kUnsupported) { \
      GTEST_SKIP() << "unsupported on this backend: " << skip_status_.message(); \
    }                                                                            \
    ASSERT_TRUE(skip_status_.ok()) << #expr << ": " << skip_status_.message();   \
  } while (0)

#endif  // SLUICE_TESTS_CORE_BROKER_CONFORMANCE_BROKER_CONFORMANCE_H_
