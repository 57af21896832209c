#include "native/broker_server/sqs_attributes.h"

#include <charconv>

#include "core/config/parse_json.h"
#include "native/broker_server/sqs_wire.h"

namespace sluice::native {
namespace {

Status bad_value(std::string_view name, std::string_view value, std::string_view rule) {
  return Status::invalid_argument(
      "Invalid value for the parameter " + std::string(name) + " (" + std::string(value) + "): " + std::string(rule),
      "InvalidAttributeValue");
}

Result<std::int64_t> whole_number(std::string_view name, std::string_view text) {
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return bad_value(name, text, "must be a whole number");
  return value;
}

Result<bool> boolean(std::string_view name, std::string_view text) {
  if (text == "true") return true;
  if (text == "false") return false;
  return bad_value(name, text, "must be true or false");
}

}  // namespace

Status apply_queue_attributes(const nlohmann::json& attributes, broker::QueueConfig& config) {
  if (attributes.is_null()) return Status();
  if (!attributes.is_object()) {
    return Status::invalid_argument("Attributes must be a map of names to strings", "InvalidParameterValue");
  }
  for (const auto& item : attributes.items()) {
    // Named copies, not structured bindings: clang 14 cannot capture those in lambdas.
    const std::string& name = item.key();
    const nlohmann::json& raw = item.value();
    if (!raw.is_string()) return bad_value(name, raw.dump(), "must be a string");
    const std::string& value = raw.get_ref<const std::string&>();
    auto seconds = [&](time::Duration& out) -> Status {
      Result<std::int64_t> n = whole_number(name, value);
      if (!n.ok()) return n.status();
      out = std::chrono::seconds(*n);
      return Status();
    };
    Status status;
    if (name == "VisibilityTimeout") {
      status = seconds(config.visibility_timeout);
    } else if (name == "DelaySeconds") {
      status = seconds(config.delay);
    } else if (name == "MessageRetentionPeriod") {
      status = seconds(config.retention);
    } else if (name == "ReceiveMessageWaitTimeSeconds") {
      status = seconds(config.receive_wait);
    } else if (name == "MaximumMessageSize") {
      Result<std::int64_t> n = whole_number(name, value);
      if (!n.ok()) return n.status();
      if (*n < 0 || *n > 0xffffffffLL) return bad_value(name, value, "out of range");
      config.max_message_bytes = static_cast<std::uint32_t>(*n);
    } else if (name == "FifoQueue") {
      Result<bool> b = boolean(name, value);
      if (!b.ok()) return b.status();
      config.fifo = *b;
    } else if (name == "ContentBasedDeduplication") {
      Result<bool> b = boolean(name, value);
      if (!b.ok()) return b.status();
      config.content_based_deduplication = *b;
    } else if (name == "RedrivePolicy") {
      if (value.empty()) {
        config.redrive.reset();
        continue;
      }
      Result<nlohmann::json> policy = config::parse_json(value);
      if (!policy.ok() || !policy->is_object() || !policy->contains("deadLetterTargetArn")) {
        return bad_value(name, value, "must be JSON with deadLetterTargetArn and maxReceiveCount");
      }
      const nlohmann::json& arn = (*policy)["deadLetterTargetArn"];
      const nlohmann::json& count = policy->value("maxReceiveCount", nlohmann::json());
      std::int64_t max_receives = 0;
      if (count.is_number_integer()) {
        max_receives = count.get<std::int64_t>();
      } else if (count.is_string()) {
        Result<std::int64_t> n = whole_number("maxReceiveCount", count.get<std::string>());
        if (!n.ok()) return n.status();
        max_receives = *n;
      } else {
        return bad_value(name, value, "maxReceiveCount is required");
      }
      if (!arn.is_string()) return bad_value(name, value, "deadLetterTargetArn must be a queue ARN");
      const std::string& text = arn.get_ref<const std::string&>();
      const std::size_t colon = text.rfind(':');
      if (colon == std::string::npos || colon + 1 == text.size() || max_receives < 1 || max_receives > 1000) {
        return bad_value(name, value, "needs a queue ARN and a maxReceiveCount from 1 to 1000");
      }
      config.redrive = broker::RedrivePolicy{text.substr(colon + 1), static_cast<std::uint32_t>(max_receives)};
    } else if (name == "Policy" || name == "KmsMasterKeyId" || name == "KmsDataKeyReusePeriodSeconds" ||
               name == "SqsManagedSseEnabled" || name == "DeduplicationScope" || name == "FifoThroughputLimit" ||
               name == "RedriveAllowPolicy") {
      continue;  // accepted and without effect here, as emulators do
    } else {
      return Status::invalid_argument("Unknown Attribute " + name + ".", "InvalidAttributeName");
    }
    if (!status.ok()) return status;
  }
  return Status();
}

nlohmann::json queue_attributes(std::string_view name, const broker::QueueConfig& config,
                                const broker::QueueStats& stats) {
  auto seconds = [](time::Duration d) {
    return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(d).count());
  };
  nlohmann::json out = {{"QueueArn", QueueUrls::arn(name)},
                        {"ApproximateNumberOfMessages", std::to_string(stats.visible)},
                        {"ApproximateNumberOfMessagesNotVisible", std::to_string(stats.in_flight)},
                        {"ApproximateNumberOfMessagesDelayed", std::to_string(stats.delayed)},
                        {"VisibilityTimeout", seconds(config.visibility_timeout)},
                        {"DelaySeconds", seconds(config.delay)},
                        {"MessageRetentionPeriod", seconds(config.retention)},
                        {"MaximumMessageSize", std::to_string(config.max_message_bytes)},
                        {"ReceiveMessageWaitTimeSeconds", seconds(config.receive_wait)}};
  if (config.redrive) {
    out["RedrivePolicy"] = nlohmann::json{{"deadLetterTargetArn", QueueUrls::arn(config.redrive->dead_letter_queue)},
                                          {"maxReceiveCount", config.redrive->max_receive_count}}
                               .dump();
  }
  if (config.fifo) {
    out["FifoQueue"] = "true";
    out["ContentBasedDeduplication"] = config.content_based_deduplication ? "true" : "false";
  }
  return out;
}

}  // namespace sluice::native
