#include "native/broker_server/broker_api.h"

#include <charconv>
#include <chrono>

#include "core/config/json_fields.h"

namespace sluice::native {
namespace {

using nlohmann::json;

HttpResponse error_from(const Status& status) {
  const std::string code = status.reason().empty() ? "InvalidRequest" : std::string(status.reason());
  int http = 400;
  if (code == "NO_ROUTE") {
    http = 409;  // the exchange exists; nothing is bound to take the message
  } else if (status.code() == StatusCode::kNotFound || code == "QueueDoesNotExist" || code == "NOT_FOUND" ||
             code == "UNKNOWN_TOPIC_OR_PARTITION") {
    http = 404;
  } else if (status.code() == StatusCode::kFailedPrecondition) {
    http = 409;
  } else if (status.code() == StatusCode::kResourceExhausted) {
    http = 429;
  }
  return HttpResponse::error(http, code, status.message());
}

Result<json> body_of(const HttpRequest& request) {
  if (request.body.empty()) return json::object();
  Result<json> body = parse_json_body(request);
  if (!body.ok()) return Status::invalid_argument(body.status().message(), "MalformedJson");
  if (!body->is_object()) return Status::invalid_argument("the body must be a JSON object", "InvalidRequest");
  return body;
}

Result<broker::Headers> headers_of(const json& body, const char* key) {
  broker::Headers headers;
  const auto it = body.find(key);
  if (it == body.end() || it->is_null()) return headers;
  if (!it->is_object())
    return Status::invalid_argument(std::string(key) + " must be a map of strings", "InvalidRequest");
  for (const auto& [name, value] : it->items()) {
    if (!value.is_string())
      return Status::invalid_argument(std::string(key) + " values must be strings", "InvalidRequest");
    headers.emplace(name, value.get<std::string>());
  }
  return headers;
}

std::optional<std::int64_t> query_number(std::string_view query, std::string_view name) {
  std::size_t at = 0;
  while (at <= query.size()) {
    std::size_t end = query.find('&', at);
    if (end == std::string_view::npos) end = query.size();
    const std::string_view pair = query.substr(at, end - at);
    if (pair.starts_with(name) && pair.size() > name.size() && pair[name.size()] == '=') {
      std::int64_t value = 0;
      const std::string_view text = pair.substr(name.size() + 1);
      const auto [ptr, error] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (error == std::errc() && ptr == text.data() + text.size()) return value;
      return std::nullopt;
    }
    at = end + 1;
  }
  return std::nullopt;
}

// with_body: a handler that gets the parsed body, answering 400 for a bad one.
Handler with_body(std::function<HttpResponse(const json&, const PathParams&, const HttpRequest&)> handle) {
  return [handle](const HttpRequest& request, const PathParams& params, Responder reply) {
    Result<json> body = body_of(request);
    if (!body.ok()) return reply(error_from(body.status()));
    reply(handle(*body, params, request));
  };
}

}  // namespace

Status add_broker_routes(Router& router, broker::MessageBroker& broker, const time::Clock& clock) {
  Status s = router.add("POST", "/v1/exchanges/:exchange",
                        with_body([&broker](const json& body, const PathParams& p, const HttpRequest&) {
                          broker::ExchangeType type = broker::ExchangeType::kDirect;
                          config::JsonFields f(body, "exchange");
                          f.choice("type", type,
                                   {{"direct", broker::ExchangeType::kDirect},
                                    {"fanout", broker::ExchangeType::kFanout},
                                    {"topic", broker::ExchangeType::kTopic},
                                    {"headers", broker::ExchangeType::kHeaders}});
                          if (Status status = f.finish(); !status.ok()) return error_from(status);
                          if (Status status = broker.declare_exchange(p.at("exchange"), type); !status.ok())
                            return error_from(status);
                          return HttpResponse::json(200, {{"exchange", p.at("exchange")}});
                        }));
  if (!s.ok()) return s;
  s = router.add(
      "POST", "/v1/exchanges/:exchange/bindings",
      with_body([&broker](const json& body, const PathParams& p, const HttpRequest&) {
        std::string queue;
        std::string key;
        config::JsonFields f(body, "binding");
        f.text("queue", queue);
        f.text("routing_key", key);
        const json* arguments = f.object("arguments");
        if (Status status = f.finish(); !status.ok()) return error_from(status);
        if (queue.empty())
          return error_from(Status::invalid_argument("binding: \"queue\" is required", "InvalidRequest"));
        Result<broker::Headers> args = arguments == nullptr ? Result<broker::Headers>(broker::Headers())
                                                            : headers_of(json{{"arguments", *arguments}}, "arguments");
        if (!args.ok()) return error_from(args.status());
        if (Status status = broker.bind_queue(queue, p.at("exchange"), key, *args); !status.ok())
          return error_from(status);
        return HttpResponse::json(200, {{"exchange", p.at("exchange")}, {"queue", queue}, {"routing_key", key}});
      }));
  if (!s.ok()) return s;
  s = router.add("POST", "/v1/exchanges/:exchange/publish",
                 with_body([&broker](const json& body, const PathParams& p, const HttpRequest&) {
                   std::string key;
                   std::string message;
                   bool mandatory = false;
                   config::JsonFields f(body, "publish");
                   f.text("routing_key", key);
                   f.text("body", message);
                   f.boolean("mandatory", mandatory);
                   const json* headers_json = f.object("headers");
                   if (Status status = f.finish(); !status.ok()) return error_from(status);
                   Result<broker::Headers> headers = headers_json == nullptr
                                                         ? Result<broker::Headers>(broker::Headers())
                                                         : headers_of(json{{"headers", *headers_json}}, "headers");
                   if (!headers.ok()) return error_from(headers.status());
                   broker::BrokerSendRequest request;
                   request.body = message;
                   for (const auto& [name, value] : *headers) {
                     request.attributes[name] = {.data_type = "String", .string_value = value};
                   }
                   Result<std::vector<std::string>> routed =
                       broker.publish(p.at("exchange"), key, *headers, request, mandatory);
                   if (!routed.ok()) return error_from(routed.status());
                   return HttpResponse::json(200, {{"routed_to", *routed}});
                 }));
  if (!s.ok()) return s;
  s = router.add("POST", "/v1/topics/:topic",
                 with_body([&broker](const json& body, const PathParams& p, const HttpRequest&) {
                   broker::TopicConfig config;
                   double retention_ms = std::chrono::duration<double, std::milli>(config.retention_time).count();
                   double retention_bytes = static_cast<double>(config.retention_bytes);
                   config::JsonFields f(body, "topic");
                   f.count("partitions", config.partitions);
                   f.number("retention_ms", retention_ms);
                   f.number("retention_bytes", retention_bytes);
                   f.boolean("compacted", config.compacted);
                   f.count("max_record_bytes", config.max_record_bytes);
                   if (Status status = f.finish(); !status.ok()) return error_from(status);
                   config.retention_time = std::chrono::milliseconds(static_cast<std::int64_t>(retention_ms));
                   config.retention_bytes = static_cast<std::uint64_t>(retention_bytes);
                   if (Status status = broker.create_topic(p.at("topic"), config); !status.ok())
                     return error_from(status);
                   return HttpResponse::json(200, {{"topic", p.at("topic")}, {"partitions", config.partitions}});
                 }));
  if (!s.ok()) return s;
  s = router.add("POST", "/v1/topics/:topic/records",
                 with_body([&broker](const json& body, const PathParams& p, const HttpRequest&) {
                   broker::AppendRequest request;
                   std::string key;
                   double partition = -1;
                   config::JsonFields f(body, "record");
                   f.text("key", key);
                   f.text("value", request.value);
                   f.number("partition", partition);
                   const json* headers_json = f.object("headers");
                   if (Status status = f.finish(); !status.ok()) return error_from(status);
                   if (body.contains("key")) request.key = key;
                   if (partition >= 0) request.partition = static_cast<std::uint32_t>(partition);
                   if (headers_json != nullptr) {
                     Result<broker::Headers> headers = headers_of(json{{"headers", *headers_json}}, "headers");
                     if (!headers.ok()) return error_from(headers.status());
                     request.headers = *headers;
                   }
                   Result<broker::AppendResult> appended = broker.append(p.at("topic"), std::move(request));
                   if (!appended.ok()) return error_from(appended.status());
                   return HttpResponse::json(200, {{"partition", appended->partition}, {"offset", appended->offset}});
                 }));
  if (!s.ok()) return s;
  s = router.add(
      "GET", "/v1/topics/:topic/partitions/:partition/records",
      [&broker, &clock](const HttpRequest& request, const PathParams& p, Responder reply) {
        std::uint32_t partition = 0;
        const std::string& text = p.at("partition");
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), partition);
        if (error != std::errc() || end != text.data() + text.size()) {
          return reply(HttpResponse::error(400, "InvalidRequest", "the partition must be a number"));
        }
        const std::int64_t offset = query_number(request.query, "offset").value_or(0);
        const std::int64_t max = query_number(request.query, "max").value_or(100);
        if (max < 1 || max > 10'000) {
          return reply(HttpResponse::error(400, "InvalidRequest", "max must be from 1 to 10000"));
        }
        Result<std::vector<broker::LogRecord>> records =
            broker.fetch(p.at("topic"), partition, offset, static_cast<std::size_t>(max));
        if (!records.ok()) return reply(error_from(records.status()));
        json out = json::array();
        const auto now = clock.now();
        for (const broker::LogRecord& r : *records) {
          const auto wall = std::chrono::system_clock::now() -
                            std::chrono::duration_cast<std::chrono::system_clock::duration>(now - r.timestamp);
          out.push_back({{"offset", r.offset},
                         {"key", r.key ? json(*r.key) : json()},
                         {"value", r.value},
                         {"headers", r.headers},
                         {"timestamp_ms",
                          std::chrono::duration_cast<std::chrono::milliseconds>(wall.time_since_epoch()).count()}});
        }
        reply(HttpResponse::json(200, {{"records", out}}));
      });
  if (!s.ok()) return s;
  s = router.add("POST", "/v1/topics/:topic/groups/:group/members/:member",
                 with_body([&broker](const json&, const PathParams& p, const HttpRequest&) {
                   Result<std::uint64_t> generation = broker.join_group(p.at("topic"), p.at("group"), p.at("member"));
                   if (!generation.ok()) return error_from(generation.status());
                   Result<std::vector<std::uint32_t>> partitions =
                       broker.assignment(p.at("topic"), p.at("group"), p.at("member"));
                   if (!partitions.ok()) return error_from(partitions.status());
                   return HttpResponse::json(200, {{"generation", *generation}, {"partitions", *partitions}});
                 }));
  if (!s.ok()) return s;
  s = router.add(
      "POST", "/v1/topics/:topic/groups/:group/commits",
      with_body([&broker](const json& body, const PathParams& p, const HttpRequest&) {
        std::string member;
        double generation = -1;
        double partition = -1;
        double offset = -1;
        config::JsonFields f(body, "commit");
        f.text("member", member);
        f.number("generation", generation);
        f.number("partition", partition);
        f.number("offset", offset);
        if (Status status = f.finish(); !status.ok()) return error_from(status);
        if (member.empty() || generation < 0 || partition < 0 || offset < 0) {
          return error_from(Status::invalid_argument("commit: member, generation, partition and offset are required",
                                                     "InvalidRequest"));
        }
        if (Status status = broker.commit(p.at("topic"), p.at("group"), member, static_cast<std::uint64_t>(generation),
                                          static_cast<std::uint32_t>(partition), static_cast<std::int64_t>(offset));
            !status.ok()) {
          return error_from(status);
        }
        return HttpResponse::json(
            200, {{"partition", static_cast<std::int64_t>(partition)}, {"offset", static_cast<std::int64_t>(offset)}});
      }));
  if (!s.ok()) return s;
  return router.add("GET", "/v1/topics/:topic/groups/:group/commits/:partition",
                    [&broker](const HttpRequest&, const PathParams& p, Responder reply) {
                      std::uint32_t partition = 0;
                      const std::string& text = p.at("partition");
                      const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), partition);
                      if (error != std::errc() || end != text.data() + text.size()) {
                        return reply(HttpResponse::error(400, "InvalidRequest", "the partition must be a number"));
                      }
                      Result<std::optional<std::int64_t>> committed =
                          broker.committed(p.at("topic"), p.at("group"), partition);
                      if (!committed.ok()) return reply(error_from(committed.status()));
                      reply(HttpResponse::json(200, {{"offset", *committed ? json(**committed) : json()}}));
                    });
}

}  // namespace sluice::native
