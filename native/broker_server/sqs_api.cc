#include "native/broker_server/sqs_api.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <set>

#include "native/broker_server/sqs_attributes.h"

namespace sluice::native {
namespace {

using nlohmann::json;

HttpResponse sqs_ok(const json& body) {
  HttpResponse response = HttpResponse::json(200, body);
  response.headers.clear();
  response.headers.emplace_back("Content-Type", "application/x-amz-json-1.0");
  return response;
}

HttpResponse missing(std::string_view parameter) {
  return sqs_error("MissingParameter", "The request must contain the parameter " + std::string(parameter) + ".");
}

// Reads an optional field of the right JSON type; nullopt when absent.
std::optional<std::string> text(const json& body, const char* key) {
  const auto it = body.find(key);
  if (it == body.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

std::optional<std::int64_t> integer(const json& body, const char* key, bool* wrong_type) {
  const auto it = body.find(key);
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_number_integer()) {
    *wrong_type = true;
    return std::nullopt;
  }
  return it->get<std::int64_t>();
}

Result<broker::MessageAttributes> message_attributes(const json& body) {
  broker::MessageAttributes out;
  const auto it = body.find("MessageAttributes");
  if (it == body.end() || it->is_null()) return out;
  if (!it->is_object()) return Status::invalid_argument("MessageAttributes must be a map", "InvalidParameterValue");
  for (const auto& [name, value] : it->items()) {
    if (!value.is_object() || !value.contains("DataType") || !value["DataType"].is_string()) {
      return Status::invalid_argument("The message attribute '" + name + "' must contain a DataType",
                                      "InvalidParameterValue");
    }
    broker::MessageAttributeValue attribute{.data_type = value["DataType"].get<std::string>()};
    if (value.contains("StringValue") && value["StringValue"].is_string()) {
      attribute.string_value = value["StringValue"].get<std::string>();
    }
    if (value.contains("BinaryValue") && value["BinaryValue"].is_string()) {
      std::optional<std::string> bytes = base64_decode(value["BinaryValue"].get<std::string>());
      if (!bytes) {
        return Status::invalid_argument("The message attribute '" + name + "' has a BinaryValue that is not base64",
                                        "InvalidParameterValue");
      }
      attribute.binary_value = *bytes;
    }
    out.emplace(name, std::move(attribute));
  }
  return out;
}

json attributes_json(const broker::MessageAttributes& attributes) {
  json out = json::object();
  for (const auto& [name, value] : attributes) {
    json entry = {{"DataType", value.data_type}};
    if (std::string_view(value.data_type).starts_with("Binary")) {
      entry["BinaryValue"] = base64_encode(value.binary_value);
    } else {
      entry["StringValue"] = value.string_value;
    }
    out[name] = std::move(entry);
  }
  return out;
}

// wanted: whether `name` is asked for by a list such as ["All"], [".*"], ["trace.*"].
bool wanted(const json& list, std::string_view name) {
  if (!list.is_array()) return false;
  for (const json& item : list) {
    if (!item.is_string()) continue;
    const std::string& pattern = item.get_ref<const std::string&>();
    if (pattern == "All" || pattern == ".*" || pattern == name) return true;
    if (pattern.size() > 2 && pattern.ends_with(".*") && name.starts_with(pattern.substr(0, pattern.size() - 1))) {
      return true;
    }
  }
  return false;
}

}  // namespace

SqsApi::SqsApi(broker::MessageBroker& broker, const time::Clock& clock, std::string base_url)
    : broker_(broker), clock_(clock), urls_(std::move(base_url)) {}

Status SqsApi::add_routes(Router& router) {
  return router.add("POST", "/", [this](const HttpRequest& request, const PathParams&, Responder reply) {
    handle(request, std::move(reply));
  });
}

std::int64_t SqsApi::epoch_millis(time::Instant instant) const {
  const auto age = clock_.now() - instant;
  const auto wall =
      std::chrono::system_clock::now() - std::chrono::duration_cast<std::chrono::system_clock::duration>(age);
  return std::chrono::duration_cast<std::chrono::milliseconds>(wall.time_since_epoch()).count();
}

Result<std::string> SqsApi::queue_of(const Body& body) const {
  std::optional<std::string> url = text(body, "QueueUrl");
  if (!url) return Status::invalid_argument("The request must contain the parameter QueueUrl.", "MissingParameter");
  std::optional<std::string> name = QueueUrls::name(*url);
  if (!name) return Status::invalid_argument("The QueueUrl names no queue: " + *url, "InvalidParameterValue");
  return *name;
}

void SqsApi::handle(const HttpRequest& request, Responder reply) {
  const std::optional<std::string_view> target = request.header("x-amz-target");
  constexpr std::string_view kPrefix = "AmazonSQS.";
  if (!target || !target->starts_with(kPrefix)) {
    return reply(sqs_error("UnknownOperationException",
                           "X-Amz-Target must be AmazonSQS.<Operation> (the AWS JSON 1.0 protocol)"));
  }
  Result<json> body = parse_json_body(request);
  if (!body.ok()) return reply(sqs_error("SerializationException", body.status().message()));
  if (!body->is_object()) return reply(sqs_error("SerializationException", "the request body must be a JSON object"));
  const std::string_view operation = target->substr(kPrefix.size());
  if (operation == "ReceiveMessage") return receive_message(*body, std::move(reply));
  if (operation == "CreateQueue") return reply(create_queue(*body));
  if (operation == "GetQueueUrl") return reply(get_queue_url(*body));
  if (operation == "ListQueues") return reply(list_queues(*body));
  if (operation == "DeleteQueue") return reply(delete_queue(*body));
  if (operation == "PurgeQueue") return reply(purge_queue(*body));
  if (operation == "GetQueueAttributes") return reply(get_queue_attributes(*body));
  if (operation == "SetQueueAttributes") return reply(set_queue_attributes(*body));
  if (operation == "SendMessage") return reply(send_message(*body));
  if (operation == "DeleteMessage") return reply(delete_message(*body));
  if (operation == "ChangeMessageVisibility") return reply(change_visibility(*body));
  if (operation == "SendMessageBatch") return reply(send_batch(*body));
  if (operation == "DeleteMessageBatch") {
    return reply(batch(*body, "Entries", [this](const std::string& queue, const json& entry) -> Result<json> {
      SLUICE_RETURN_IF_ERROR(delete_entry(queue, entry));
      return json::object();
    }));
  }
  if (operation == "ChangeMessageVisibilityBatch") {
    return reply(batch(*body, "Entries", [this](const std::string& queue, const json& entry) -> Result<json> {
      SLUICE_RETURN_IF_ERROR(change_entry(queue, entry));
      return json::object();
    }));
  }
  reply(sqs_error("UnsupportedOperation", "the operation " + std::string(operation) + " is not supported"));
}

HttpResponse SqsApi::create_queue(const Body& body) {
  std::optional<std::string> name = text(body, "QueueName");
  if (!name) return missing("QueueName");
  broker::QueueConfig config;
  if (Status s = apply_queue_attributes(body.value("Attributes", json()), config); !s.ok()) return sqs_error_from(s);
  if (Status s = broker::validate_queue_name(*name, config.fifo); !s.ok()) return sqs_error_from(s);
  if (Status s = broker_.create_queue(*name, config); !s.ok()) return sqs_error_from(s);
  return sqs_ok({{"QueueUrl", urls_.url(*name)}});
}

HttpResponse SqsApi::get_queue_url(const Body& body) {
  std::optional<std::string> name = text(body, "QueueName");
  if (!name) return missing("QueueName");
  for (const std::string& queue : broker_.list_queues(*name)) {
    if (queue == *name) return sqs_ok({{"QueueUrl", urls_.url(*name)}});
  }
  return sqs_error("QueueDoesNotExist", "The specified queue does not exist.");
}

HttpResponse SqsApi::list_queues(const Body& body) {
  const std::string prefix = text(body, "QueueNamePrefix").value_or("");
  bool wrong_type = false;
  const std::optional<std::int64_t> max_results = integer(body, "MaxResults", &wrong_type);
  if (wrong_type || (max_results && (*max_results < 1 || *max_results > 1000))) {
    return sqs_error("InvalidParameterValue", "MaxResults must be an integer from 1 to 1000.");
  }
  std::vector<std::string> names = broker_.list_queues(prefix);
  std::sort(names.begin(), names.end());
  // NextToken: the last name of the previous page.
  const std::optional<std::string> after = text(body, "NextToken");
  json urls = json::array();
  std::optional<std::string> next;
  for (const std::string& name : names) {
    if (after && name <= *after) continue;
    if (max_results && static_cast<std::int64_t>(urls.size()) == *max_results) {
      next = urls.empty() ? name : QueueUrls::name(urls.back().get<std::string>()).value_or("");
      break;
    }
    urls.push_back(urls_.url(name));
  }
  json out = {{"QueueUrls", urls}};
  if (next) out["NextToken"] = *next;
  return sqs_ok(out);
}

HttpResponse SqsApi::delete_queue(const Body& body) {
  Result<std::string> queue = queue_of(body);
  if (!queue.ok()) return sqs_error_from(queue.status());
  if (Status s = broker_.delete_queue(*queue); !s.ok()) return sqs_error_from(s);
  return sqs_ok(json::object());
}

HttpResponse SqsApi::purge_queue(const Body& body) {
  Result<std::string> queue = queue_of(body);
  if (!queue.ok()) return sqs_error_from(queue.status());
  if (Status s = broker_.purge(*queue); !s.ok()) return sqs_error_from(s);
  return sqs_ok(json::object());
}

HttpResponse SqsApi::get_queue_attributes(const Body& body) {
  Result<std::string> queue = queue_of(body);
  if (!queue.ok()) return sqs_error_from(queue.status());
  Result<broker::QueueStats> stats = broker_.queue_stats(*queue);
  if (!stats.ok()) return sqs_error_from(stats.status());
  Result<broker::QueueConfig> config = broker_.queue_config(*queue);
  if (!config.ok()) return sqs_error_from(config.status());
  const json all = queue_attributes(*queue, *config, *stats);
  const json names = body.value("AttributeNames", json::array({"All"}));
  json out = json::object();
  for (const auto& [name, value] : all.items()) {
    if (wanted(names, name)) out[name] = value;
  }
  if (names.is_array()) {
    for (const json& name : names) {
      if (name.is_string() && name != "All" && !all.contains(name.get<std::string>())) {
        return sqs_error("InvalidAttributeName", "Unknown Attribute " + name.get<std::string>() + ".");
      }
    }
  }
  return sqs_ok({{"Attributes", out}});
}

HttpResponse SqsApi::set_queue_attributes(const Body& body) {
  Result<std::string> queue = queue_of(body);
  if (!queue.ok()) return sqs_error_from(queue.status());
  const auto attributes = body.find("Attributes");
  if (attributes == body.end()) return missing("Attributes");
  Result<broker::QueueConfig> config = broker_.queue_config(*queue);
  if (!config.ok()) return sqs_error_from(config.status());
  broker::QueueConfig changed = *config;
  if (Status s = apply_queue_attributes(*attributes, changed); !s.ok()) return sqs_error_from(s);
  if (Status s = broker_.set_queue_attributes(*queue, changed); !s.ok()) return sqs_error_from(s);
  return sqs_ok(json::object());
}

Result<json> SqsApi::send_entry(const std::string& queue, const json& entry) {
  std::optional<std::string> message = text(entry, "MessageBody");
  if (!message)
    return Status::invalid_argument("The request must contain the parameter MessageBody.", "MissingParameter");
  Result<broker::MessageAttributes> attributes = message_attributes(entry);
  if (!attributes.ok()) return attributes.status();
  broker::BrokerSendRequest request;
  request.body = *message;
  request.attributes = *attributes;
  bool wrong_type = false;
  if (std::optional<std::int64_t> delay = integer(entry, "DelaySeconds", &wrong_type)) {
    request.delay = std::chrono::seconds(*delay);
  }
  if (wrong_type) return Status::invalid_argument("DelaySeconds must be an integer.", "InvalidParameterValue");
  request.group_id = text(entry, "MessageGroupId").value_or("");
  request.deduplication_id = text(entry, "MessageDeduplicationId").value_or("");
  // Content-based deduplication keys on the body's SHA-256, which the queue leaves to
  // its caller (core does no hashing).
  if (request.deduplication_id.empty() && queue.ends_with(".fifo")) request.content_sha256 = sha256(*message);
  Result<broker::BrokerSendResult> sent = broker_.send(queue, std::move(request));
  if (!sent.ok()) return sent.status();
  json out = {{"MessageId", sent->message_id}, {"MD5OfMessageBody", md5_hex(*message)}};
  if (!attributes->empty()) out["MD5OfMessageAttributes"] = md5_of_attributes(*attributes);
  if (!sent->sequence_number.empty()) out["SequenceNumber"] = sent->sequence_number;
  return out;
}

HttpResponse SqsApi::send_batch(const Body& body) {
  // SQS's quota on a whole batch is the queue's message size limit, summed over entries.
  Result<std::string> queue = queue_of(body);
  if (!queue.ok()) return sqs_error_from(queue.status());
  Result<broker::QueueConfig> config = broker_.queue_config(*queue);
  if (!config.ok()) return sqs_error_from(config.status());
  std::size_t total = 0;
  if (const auto entries = body.find("Entries"); entries != body.end() && entries->is_array()) {
    for (const json& entry : *entries) {
      if (entry.is_object() && entry.contains("MessageBody") && entry["MessageBody"].is_string()) {
        total += entry["MessageBody"].get_ref<const std::string&>().size();
      }
      if (entry.is_object() && entry.contains("MessageAttributes")) total += entry["MessageAttributes"].dump().size();
    }
  }
  if (total > config->max_message_bytes) {
    return sqs_error("BatchRequestTooLong", "Batch requests cannot be longer than " +
                                                std::to_string(config->max_message_bytes) + " bytes. You have sent " +
                                                std::to_string(total) + " bytes.");
  }
  return batch(body, "Entries", [this](const std::string& q, const json& entry) { return send_entry(q, entry); });
}

HttpResponse SqsApi::send_message(const Body& body) {
  Result<std::string> queue = queue_of(body);
  if (!queue.ok()) return sqs_error_from(queue.status());
  Result<json> sent = send_entry(*queue, body);
  if (!sent.ok()) return sqs_error_from(sent.status());
  return sqs_ok(*sent);
}

void SqsApi::receive_message(const Body& body, Responder reply) {
  Result<std::string> queue = queue_of(body);
  if (!queue.ok()) return reply(sqs_error_from(queue.status()));
  broker::ReceiveRequest request;
  bool wrong_type = false;
  if (std::optional<std::int64_t> n = integer(body, "MaxNumberOfMessages", &wrong_type)) {
    if (*n < 1 || *n > 10) {
      return reply(sqs_error("InvalidParameterValue",
                             "Value " + std::to_string(*n) +
                                 " for parameter MaxNumberOfMessages is invalid. Reason: must be between 1 and 10, "
                                 "if provided."));
    }
    request.max_messages = static_cast<std::uint32_t>(*n);
  }
  if (std::optional<std::int64_t> wait = integer(body, "WaitTimeSeconds", &wrong_type)) {
    request.wait = std::chrono::seconds(*wait);
  }
  if (std::optional<std::int64_t> visibility = integer(body, "VisibilityTimeout", &wrong_type)) {
    request.visibility_timeout = std::chrono::seconds(*visibility);
  }
  if (wrong_type) return reply(sqs_error("InvalidParameterValue", "numbers must be integers"));
  if (Status s = broker::validate_receive(request); !s.ok()) return reply(sqs_error_from(s));
  // System attributes come from MessageSystemAttributeNames or the older AttributeNames.
  json system_names = body.value("MessageSystemAttributeNames", json::array());
  for (const json& name : body.value("AttributeNames", json::array())) system_names.push_back(name);
  const json attribute_names = body.value("MessageAttributeNames", json::array());
  broker_.receive(*queue, request,
                  [this, reply, system_names, attribute_names](Result<std::vector<broker::BrokerMessage>> received) {
                    if (!received.ok()) return reply(sqs_error_from(received.status()));
                    json messages = json::array();
                    for (const broker::BrokerMessage& m : *received) {
                      json entry = {{"MessageId", m.message.message_id},
                                    {"ReceiptHandle", m.message.receipt_handle},
                                    {"MD5OfBody", md5_hex(m.message.body)},
                                    {"Body", m.message.body}};
                      broker::MessageAttributes chosen;
                      for (const auto& [name, value] : m.message.attributes) {
                        if (wanted(attribute_names, name)) chosen.emplace(name, value);
                      }
                      if (!chosen.empty()) {
                        entry["MessageAttributes"] = attributes_json(chosen);
                        entry["MD5OfMessageAttributes"] = md5_of_attributes(chosen);
                      }
                      json system = json::object();
                      const auto add = [&](const char* name, std::string value) {
                        if (wanted(system_names, name)) system[name] = std::move(value);
                      };
                      add("SenderId", "000000000000");
                      add("SentTimestamp", std::to_string(epoch_millis(m.message.sent_at)));
                      add("ApproximateReceiveCount", std::to_string(m.message.receive_count));
                      add("ApproximateFirstReceiveTimestamp",
                          std::to_string(epoch_millis(m.message.first_received_at)));
                      if (!m.group_id.empty()) add("MessageGroupId", m.group_id);
                      if (!m.sequence_number.empty()) add("SequenceNumber", m.sequence_number);
                      if (!system.empty()) entry["Attributes"] = system;
                      messages.push_back(std::move(entry));
                    }
                    reply(sqs_ok({{"Messages", messages}}));
                  });
}

Status SqsApi::delete_entry(const std::string& queue, const json& entry) {
  std::optional<std::string> handle = text(entry, "ReceiptHandle");
  if (!handle)
    return Status::invalid_argument("The request must contain the parameter ReceiptHandle.", "MissingParameter");
  Result<broker::DeleteResult> deleted = broker_.delete_message(queue, *handle);
  return deleted.ok() ? Status() : deleted.status();
}

Status SqsApi::change_entry(const std::string& queue, const json& entry) {
  std::optional<std::string> handle = text(entry, "ReceiptHandle");
  if (!handle)
    return Status::invalid_argument("The request must contain the parameter ReceiptHandle.", "MissingParameter");
  bool wrong_type = false;
  const std::optional<std::int64_t> timeout = integer(entry, "VisibilityTimeout", &wrong_type);
  if (!timeout || wrong_type) {
    return Status::invalid_argument("The request must contain the parameter VisibilityTimeout.", "MissingParameter");
  }
  return broker_.change_visibility(queue, *handle, std::chrono::seconds(*timeout));
}

HttpResponse SqsApi::delete_message(const Body& body) {
  Result<std::string> queue = queue_of(body);
  if (!queue.ok()) return sqs_error_from(queue.status());
  if (Status s = delete_entry(*queue, body); !s.ok()) return sqs_error_from(s);
  return sqs_ok(json::object());
}

HttpResponse SqsApi::change_visibility(const Body& body) {
  Result<std::string> queue = queue_of(body);
  if (!queue.ok()) return sqs_error_from(queue.status());
  if (Status s = change_entry(*queue, body); !s.ok()) return sqs_error_from(s);
  return sqs_ok(json::object());
}

HttpResponse SqsApi::batch(const Body& body, const char* entries_key, const BatchEntry& run) {
  Result<std::string> queue = queue_of(body);
  if (!queue.ok()) return sqs_error_from(queue.status());
  const auto entries = body.find(entries_key);
  if (entries == body.end() || !entries->is_array() || entries->empty()) {
    return sqs_error("EmptyBatchRequest",
                     "There should be at least one " + std::string(entries_key) + " in the request.");
  }
  if (entries->size() > kMaxBatchEntries) {
    return sqs_error("TooManyEntriesInBatchRequest", "Maximum number of entries per request are 10. You have sent " +
                                                         std::to_string(entries->size()) + ".");
  }
  std::set<std::string> ids;
  for (const json& entry : *entries) {
    std::optional<std::string> id = entry.is_object() ? text(entry, "Id") : std::nullopt;
    if (!id) return sqs_error("MissingParameter", "Every batch entry needs an Id.");
    const bool valid = !id->empty() && id->size() <= 80 && std::all_of(id->begin(), id->end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
    });
    if (!valid)
      return sqs_error("InvalidBatchEntryId",
                       "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be "
                       "at most 80 letters long.");
    if (!ids.insert(*id).second) return sqs_error("BatchEntryIdsNotDistinct", "Id " + *id + " repeated.");
  }
  json successful = json::array();
  json failed = json::array();
  for (const json& entry : *entries) {
    const std::string id = entry["Id"].get<std::string>();
    Result<json> done = run(*queue, entry);
    if (done.ok()) {
      json success = *done;
      success["Id"] = id;
      successful.push_back(std::move(success));
    } else {
      failed.push_back(
          {{"Id", id},
           {"SenderFault", done.status().code() != StatusCode::kUnavailable},
           {"Code", done.status().reason().empty() ? "InternalError" : std::string(done.status().reason())},
           {"Message", done.status().message()}});
    }
  }
  return sqs_ok({{"Successful", successful}, {"Failed", failed}});
}

}  // namespace sluice::native
