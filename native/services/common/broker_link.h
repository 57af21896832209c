// broker_link.h: BrokerLink, where a service's --broker points: a sluice broker
// ("127.0.0.1:9324"), or RabbitMQ itself ("amqp://guest:guest@127.0.0.1:5672"). For
// RabbitMQ the service serves itself the broker's HTTP API (the SQS endpoint and /v1)
// on a private loopback port, over the RabbitMQ backend, so its publisher and
// consumers are the same code either way:
//
//   auto link = BrokerLink::open(host.io(), host.scheduler(), absl::GetFlag(FLAGS_broker));
//   HttpClient broker_client(host.io(), {.host = (*link)->address().host, .port = (*link)->address().port});
#ifndef SLUICE_NATIVE_SERVICES_COMMON_BROKER_LINK_H_
#define SLUICE_NATIVE_SERVICES_COMMON_BROKER_LINK_H_

#include <asio.hpp>
#include <memory>
#include <optional>
#include <string>

#include "core/base/result.h"
#include "core/time/scheduler.h"
#include "native/amqp/amqp_broker.h"
#include "native/amqp/amqp_pump.h"
#include "native/broker_server/sqs_api.h"
#include "native/cli/cli.h"
#include "native/runtime/http_server.h"
#include "native/runtime/router.h"

namespace sluice::native {

class BrokerLink {
 public:
  // open: an error names --broker and says what it takes. A service that will not use
  // the broker (`used` false: payment and inventory orchestrated) has the flag checked
  // but opens no connection to RabbitMQ.
  static Result<std::unique_ptr<BrokerLink>> open(asio::io_context& io, time::Scheduler& scheduler,
                                                  const std::string& flag, bool used = true);
  ~BrokerLink();

  const HostPort& address() const { return address_; }
  // describe: for logs, without the password: "127.0.0.1:9324" or "amqp://127.0.0.1:5672".
  const std::string& describe() const { return description_; }
  bool on_rabbitmq() const { return rabbitmq_ != nullptr; }

 private:
  BrokerLink() = default;

  HostPort address_;
  std::string description_;
  std::unique_ptr<AmqpBroker> rabbitmq_;
  std::optional<AmqpPump> pump_;
  Router router_;
  std::unique_ptr<SqsApi> sqs_;
  std::unique_ptr<HttpServer> http_;
};

}  // namespace sluice::native

#endif  // SLUICE_NATIVE_SERVICES_COMMON_BROKER_LINK_H_
