// broker_api.h: the core broker's other two models over JSON/HTTP, beside the SQS
// endpoint: RabbitMQ-style exchanges and Kafka-style topics. An exchange routes into
// SQS queues too, so an SQS consumer receives what an exchange publisher routed.
//
//   POST /v1/exchanges/:exchange                 {"type": "topic"}   direct|fanout|topic|headers
//   POST /v1/exchanges/:exchange/bindings        {"queue": "notifications", "routing_key": "order.*",
//                                                 "arguments": {"x-match": "all", ...}}
//   POST /v1/exchanges/:exchange/publish         {"routing_key": "order.created", "body": "...",
//                                                 "headers": {...}, "mandatory": false}
//                                                 -> {"routed_to": ["notifications"]}
//   POST /v1/topics/:topic                       {"partitions": 3, "retention_ms": 604800000,
//                                                 "compacted": false}
//   POST /v1/topics/:topic/records               {"key": "o-1", "value": "...", "headers": {...},
//                                                 "partition": 0} -> {"partition", "offset"}
//   GET  /v1/topics/:topic/partitions/:partition/records?offset=0&max=100
//                                                 -> {"records": [{"offset", "key", "value", "headers",
//                                                     "timestamp_ms"}]}
//   POST /v1/topics/:topic/groups/:group/members/:member   (join) -> {"generation", "partitions"}
//   POST /v1/topics/:topic/groups/:group/commits {"member", "generation", "partition", "offset"}
//   GET  /v1/topics/:topic/groups/:group/commits/:partition -> {"offset"} (null if none)
//
// Errors are {"error": {"code": ..., "message": ...}} with the broker's code (NOT_FOUND,
// NO_ROUTE, UNKNOWN_TOPIC_OR_PARTITION, ILLEGAL_GENERATION, ...): 404 for what does not
// exist, 409 for a conflict (a mandatory publish nothing is bound to take included),
// 400 for bad input.
#ifndef SLUICE_NATIVE_BROKER_SERVER_BROKER_API_H_
#define SLUICE_NATIVE_BROKER_SERVER_BROKER_API_H_

#include "core/broker/message_broker.h"
#include "core/time/clock.h"
#include "native/runtime/router.h"

namespace sluice::native {

// add_broker_routes: the routes above over `broker` (and its clock, for timestamps).
Status add_broker_routes(Router& router, broker::MessageBroker& broker, const time::Clock& clock);

}  // namespace sluice::native

#endif  // SLUICE_NATIVE_BROKER_SERVER_BROKER_API_H_
