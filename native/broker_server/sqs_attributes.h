// sqs_attributes.h: queue attributes as SQS writes them (all strings) and QueueConfig.
//
//   {"VisibilityTimeout": "60", "RedrivePolicy": "{\"deadLetterTargetArn\":\"arn:aws:sqs:...:orders-dlq\",
//    \"maxReceiveCount\":\"5\"}", "FifoQueue": "true"}
#ifndef SLUICE_NATIVE_BROKER_SERVER_SQS_ATTRIBUTES_H_
#define SLUICE_NATIVE_BROKER_SERVER_SQS_ATTRIBUTES_H_

#include <nlohmann/json.hpp>
#include <string_view>

#include "core/base/result.h"
#include "core/broker/queue_config.h"
#include "core/broker/sqs_queue_base.h"

namespace sluice::native {

// apply_queue_attributes: `attributes` (a JSON object of strings) over `config`. An
// unknown name is InvalidAttributeName; a bad value InvalidAttributeValue.
Status apply_queue_attributes(const nlohmann::json& attributes, broker::QueueConfig& config);

// queue_attributes: what GetQueueAttributes answers (every attribute, as strings).
nlohmann::json queue_attributes(std::string_view name, const broker::QueueConfig& config,
                                const broker::QueueStats& stats);

}  // namespace sluice::native

#endif  // SLUICE_NATIVE_BROKER_SERVER_SQS_ATTRIBUTES_H_
