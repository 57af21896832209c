#include "native/services/common/broker_link.h"

#include "native/broker_server/broker_api.h"

namespace sluice::native {

BrokerLink::~BrokerLink() {
  if (pump_) pump_->stop();
}

Result<std::unique_ptr<BrokerLink>> BrokerLink::open(asio::io_context& io, time::Scheduler& scheduler,
                                                     const std::string& flag, bool used) {
  std::unique_ptr<BrokerLink> link(new BrokerLink());
  if (!flag.starts_with("amqp://")) {
    const std::optional<HostPort> address = parse_host_port(flag);
    if (!address) {
      return Status::invalid_argument(
          "--broker must be host:port (a sluice broker) or an amqp:// URL (RabbitMQ), got \"" + flag + "\"");
    }
    link->address_ = *address;
    link->description_ = flag;
    return link;
  }
  link->description_ = without_password(flag);
  if (!used) return link;
  auto rabbitmq = AmqpBroker::connect(scheduler, {.url = flag});
  if (!rabbitmq.ok()) {
    return Status(rabbitmq.status().code(), "--broker=" + link->description_ + ": " + rabbitmq.status().message());
  }
  link->rabbitmq_ = *std::move(rabbitmq);
  link->pump_.emplace(io, *link->rabbitmq_);
  // The broker's own HTTP API, for this process only, on a loopback port of its own.
  auto http = HttpServer::start(io, link->router_, {.address = "127.0.0.1", .port = 0, .limits = SqsApi::kHttpLimits});
  if (!http.ok()) return http.status();
  link->http_ = *std::move(http);
  link->address_ = {"127.0.0.1", link->http_->port()};
  link->sqs_ =
      std::make_unique<SqsApi>(*link->rabbitmq_, scheduler, "http://127.0.0.1:" + std::to_string(link->http_->port()));
  SLUICE_RETURN_IF_ERROR(link->sqs_->add_routes(link->router_));
  SLUICE_RETURN_IF_ERROR(add_broker_routes(link->router_, *link->rabbitmq_, scheduler));
  return link;
}

}  // namespace sluice::native
