// amqp_backend.h: the RabbitMQ backend as the tests make it, on the server
// tests/testing/with_rabbitmq.sh started (SLUICE_AMQP_URL).
#ifndef SLUICE_TESTS_NATIVE_AMQP_AMQP_BACKEND_H_
#define SLUICE_TESTS_NATIVE_AMQP_AMQP_BACKEND_H_

#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "native/amqp/amqp_broker.h"

namespace sluice::native::testing {

// amqp_url: the server's URL; a test run without the server fails, never skips.
inline std::string amqp_url() {
  const char* url = std::getenv("SLUICE_AMQP_URL");
  if (url == nullptr) {
    ADD_FAILURE() << "SLUICE_AMQP_URL is not set: run under tests/testing/with_rabbitmq.sh";
    return "";
  }
  return url;
}

inline std::unique_ptr<AmqpBroker> connect_amqp(time::Scheduler& scheduler) {
  auto broker = AmqpBroker::connect(scheduler, {.url = amqp_url()});
  if (!broker.ok()) {
    ADD_FAILURE() << broker.status().message();
    return nullptr;
  }
  return *std::move(broker);
}

}  // namespace sluice::native::testing

#endif  // SLUICE_TESTS_NATIVE_AMQP_AMQP_BACKEND_H_
