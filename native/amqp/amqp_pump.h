// amqp_pump.h: AmqpPump, which reads what RabbitMQ pushes to an AmqpBroker (consumers'
// deliveries, a lost connection) every few milliseconds on an asio loop, so its
// callbacks run there.
//
//   AmqpPump pump(io, *broker);  // until stop() or destruction
#ifndef SLUICE_NATIVE_AMQP_AMQP_PUMP_H_
#define SLUICE_NATIVE_AMQP_AMQP_PUMP_H_

#include <asio.hpp>
#include <chrono>

#include "native/amqp/amqp_broker.h"

namespace sluice::native {

class AmqpPump {
 public:
  AmqpPump(asio::io_context& io, AmqpBroker& broker, std::chrono::milliseconds every = std::chrono::milliseconds(5))
      : timer_(io), broker_(broker), every_(every) {
    tick();
  }
  void stop() { timer_.cancel(); }

 private:
  void tick() {
    broker_.pump(std::chrono::milliseconds(0));
    timer_.expires_after(every_);
    timer_.async_wait([this](const asio::error_code& e) {
      if (!e) tick();
    });
  }

  asio::steady_timer timer_;
  AmqpBroker& broker_;
  std::chrono::milliseconds every_;
};

}  // namespace sluice::native

#endif  // SLUICE_NATIVE_AMQP_AMQP_PUMP_H_
