#include "core/sim/scenario.h"

#include <utility>

#include "core/config/json_fields.h"
#include "core/config/parse_json.h"

namespace sluice::sim {
namespace {

using config::JsonFields;
using nlohmann::json;

constexpr std::array<std::pair<std::string_view, FaultAction>, 12> kFaultActions = {{
    {"crash", FaultAction::kCrash},
    {"restart", FaultAction::kRestart},
    {"add_latency", FaultAction::kAddLatency},
    {"error_rate", FaultAction::kErrorRate},
    {"slow_down", FaultAction::kSlowDown},
    {"partition", FaultAction::kPartition},
    {"heal", FaultAction::kHeal},
    {"link_loss", FaultAction::kLinkLoss},
    {"link_duplicate", FaultAction::kLinkDuplicate},
    {"consumer_bug", FaultAction::kConsumerBug},
    {"replay", FaultAction::kReplay},
    {"clock_jump", FaultAction::kClockJump},
}};

Status not_an_object(const std::string& where, const json& value) {
  return Status::invalid_argument(where + " must be an object; got " + value.dump());
}

// node: reads a node name at `key` into `out`; absent leaves it.
void node(JsonFields& f, std::string_view key, std::optional<Node>& out) {
  const json* value = f.object(key);
  if (value == nullptr) return;
  const std::optional<Node> found = value->is_string() ? node_from_name(value->get<std::string>()) : std::nullopt;
  if (found) {
    out = *found;
  } else {
    std::string allowed;
    for (std::string_view n : kNodeNames) allowed += (allowed.empty() ? "\"" : ", \"") + std::string(n) + "\"";
    f.fail(key, "must be one of " + allowed, *value);
  }
}

void probability(JsonFields& f, std::string_view key, double& out) {
  const json* value = f.object(key);
  f.number(key, out);
  if (value != nullptr && !(out >= 0 && out <= 1)) f.fail(key, "must be from 0 to 1", *value);
}

Status read_link(const json& object, const std::string& where, LinkConfig& link) {
  if (!object.is_object()) return not_an_object(where, object);
  JsonFields f(object, where);
  f.duration("latency_min", link.latency_min);
  f.duration("latency_max", link.latency_max);
  probability(f, "loss", link.loss);
  probability(f, "duplicate", link.duplicate);
  SLUICE_RETURN_IF_ERROR(f.finish());
  if (link.latency_min.count() < 0 || link.latency_max < link.latency_min) {
    return Status::invalid_argument(where + ": latency_min must be >= 0 and <= latency_max");
  }
  return Status();
}

Status read_service(const json& object, const std::string& where, ServiceConfig& service) {
  if (!object.is_object()) return not_an_object(where, object);
  JsonFields f(object, where);
  f.duration("service_time_min", service.service_time_min);
  f.duration("service_time_max", service.service_time_max);
  f.count("concurrency", service.concurrency);
  f.count("max_queue", service.max_queue);
  probability(f, "error_rate", service.error_rate);
  SLUICE_RETURN_IF_ERROR(f.finish());
  if (service.service_time_min.count() < 0 || service.service_time_max < service.service_time_min) {
    return Status::invalid_argument(where + ": service_time_min must be >= 0 and <= service_time_max");
  }
  if (service.concurrency == 0) return Status::invalid_argument(where + ".concurrency must be at least 1");
  return Status();
}

Status read_traffic(const json& object, TrafficConfig& traffic) {
  if (!object.is_object()) return not_an_object("traffic", object);
  JsonFields f(object, "traffic");
  f.number("orders_per_second", traffic.orders_per_second);
  probability(f, "declined_share", traffic.declined_share);
  probability(f, "out_of_stock_share", traffic.out_of_stock_share);
  f.count("products", traffic.products);
  f.count("initial_stock", traffic.initial_stock);
  const json* phases = f.object("phases");
  SLUICE_RETURN_IF_ERROR(f.finish());
  if (!(traffic.orders_per_second >= 0 && traffic.orders_per_second <= 100'000)) {
    return Status::invalid_argument("traffic.orders_per_second must be from 0 to 100000");
  }
  // Bounded: a shared link must not make the page allocate gigabytes of stock.
  if (traffic.products == 0 || traffic.products > 100'000) {
    return Status::invalid_argument("traffic.products must be from 1 to 100000");
  }
  if (phases == nullptr) return Status();
  if (!phases->is_array()) return Status::invalid_argument("traffic.phases must be an array");
  for (std::size_t i = 0; i < phases->size(); ++i) {
    const std::string where = "traffic.phases[" + std::to_string(i) + "]";
    const json& p = (*phases)[i];
    if (!p.is_object()) return not_an_object(where, p);
    TrafficPhase phase;
    JsonFields pf(p, where);
    pf.duration("from", phase.from);
    pf.duration("until", phase.until);
    pf.number("orders_per_second", phase.orders_per_second);
    SLUICE_RETURN_IF_ERROR(pf.finish());
    if (phase.until <= phase.from) return Status::invalid_argument(where + ": until must be after from");
    if (!(phase.orders_per_second >= 0 && phase.orders_per_second <= 100'000)) {
      return Status::invalid_argument(where + ".orders_per_second must be from 0 to 100000");
    }
    traffic.phases.push_back(phase);
  }
  return Status();
}

Status read_saga(const json& value, SagaConfig& saga) {
  if (value.is_string()) {
    const json object = {{"mode", value}};  // JsonFields keeps a reference
    JsonFields f(object, "saga");
    f.choice("mode", saga.mode,
             {{"orchestration", SagaMode::kOrchestration}, {"choreography", SagaMode::kChoreography}});
    return f.finish();
  }
  if (!value.is_object()) return not_an_object("saga", value);
  JsonFields f(value, "saga");
  f.choice("mode", saga.mode, {{"orchestration", SagaMode::kOrchestration}, {"choreography", SagaMode::kChoreography}});
  f.duration("step_timeout", saga.step_timeout);
  f.count("max_attempts", saga.max_attempts);
  SLUICE_RETURN_IF_ERROR(f.finish());
  if (saga.step_timeout.count() <= 0) return Status::invalid_argument("saga.step_timeout must be positive");
  if (saga.max_attempts == 0) return Status::invalid_argument("saga.max_attempts must be at least 1");
  return Status();
}

}  // namespace

std::string_view fault_action_name(FaultAction action) {
  for (const auto& [name, a] : kFaultActions) {
    if (a == action) return name;
  }
  return {};
}

std::optional<FaultAction> fault_action_from_name(std::string_view name) {
  for (const auto& [n, a] : kFaultActions) {
    if (n == name) return a;
  }
  return std::nullopt;
}

Result<Fault> fault_from_json(const json& object, std::string where) {
  if (!object.is_object()) return not_an_object(where, object);
  Fault fault;
  JsonFields f(object, where);
  f.duration("at", fault.at);
  f.choice("action", fault.action, kFaultActions);
  const bool has_action = object.contains("action");
  std::optional<Node> target;
  node(f, "target", target);
  node(f, "peer", fault.peer);
  f.duration("latency", fault.latency);
  const bool has_rate = object.contains("rate");
  probability(f, "rate", fault.value);
  const bool has_factor = object.contains("factor");
  if (has_factor) f.number("factor", fault.value);
  const bool has_probability = object.contains("probability");
  if (has_probability) probability(f, "probability", fault.value);
  f.duration("from", fault.from);
  const bool has_by = object.contains("by");
  f.duration("by", fault.jump);
  bool back = false;
  f.boolean("back", back);
  time::Duration lasts{0};
  if (object.contains("for")) {
    f.duration("for", lasts);
    fault.lasts = lasts;
  }
  SLUICE_RETURN_IF_ERROR(f.finish());

  auto missing = [&where](std::string_view what) { return Status::invalid_argument(where + ": " + std::string(what)); };
  if (!has_action) return missing("\"action\" is required");
  if (!target) return missing("\"target\" is required");
  fault.target = *target;
  if (fault.at.count() < 0) return missing("\"at\" must not be negative");
  if (fault.lasts && fault.lasts->count() <= 0) return missing("\"for\" must be positive");
  switch (fault.action) {
    case FaultAction::kCrash:
    case FaultAction::kRestart:
      if (fault.target == Node::kClient) return missing("the client cannot crash");
      break;
    case FaultAction::kAddLatency:
      if (!object.contains("latency") || fault.latency.count() < 0) {
        return missing("add_latency needs \"latency\" (a duration, 0 or more)");
      }
      break;
    case FaultAction::kErrorRate:
      if (!has_rate) return missing("error_rate needs \"rate\" (0 to 1)");
      break;
    case FaultAction::kSlowDown:
      if (!has_factor || !(fault.value >= 1 && fault.value <= 1000)) {
        return missing("slow_down needs \"factor\" (1 to 1000)");
      }
      break;
    case FaultAction::kPartition:
    case FaultAction::kHeal:
      if (!fault.peer || *fault.peer == fault.target)
        return missing("partition and heal need a \"peer\" other than the target");
      break;
    case FaultAction::kLinkLoss:
    case FaultAction::kLinkDuplicate:
      if (!fault.peer || *fault.peer == fault.target)
        return missing("link faults need a \"peer\" other than the target");
      if (!has_probability) return missing("link faults need \"probability\" (0 to 1)");
      break;
    case FaultAction::kConsumerBug:
    case FaultAction::kReplay:
      if (fault.target != Node::kAnalytics) return missing("consumer_bug and replay apply to \"analytics\"");
      break;
    case FaultAction::kClockJump:
      if (!has_by || fault.jump.count() <= 0 || fault.jump > std::chrono::hours(24)) {
        return missing("clock_jump needs \"by\" (a duration above 0, up to 24h; \"back\": true jumps back)");
      }
      if (fault.target == Node::kClient) return missing("the client has no clock of its own here");
      if (back) fault.jump = -fault.jump;
      break;
  }
  return fault;
}

Result<Scenario> scenario_from_json(const json& object) {
  if (!object.is_object()) return not_an_object("scenario", object);
  Scenario scenario;
  JsonFields f(object, "scenario");
  f.text("name", scenario.name);
  f.text("title", scenario.title);
  f.text("description", scenario.description);
  f.duration("duration", scenario.duration);
  double seed = static_cast<double>(scenario.seed);
  f.number("seed", seed);
  const json* saga = f.object("saga");
  const json* traffic = f.object("traffic");
  const json* network = f.object("network");
  const json* links = f.object("links");
  const json* services = f.object("services");
  const json* inventory_client = f.object("inventory_client");
  const json* notifications = f.object("notifications");
  const json* faults = f.object("faults");
  SLUICE_RETURN_IF_ERROR(f.finish());

  if (scenario.name.empty()) return Status::invalid_argument("scenario: \"name\" is required");
  if (scenario.title.empty()) scenario.title = scenario.name;
  if (scenario.duration.count() <= 0 || scenario.duration > std::chrono::hours(24)) {
    return Status::invalid_argument("scenario.duration must be positive and at most 24h");
  }
  if (!(seed >= 0 && seed <= 9007199254740992.0) || seed != static_cast<double>(static_cast<std::uint64_t>(seed))) {
    return Status::invalid_argument("scenario.seed must be a whole number from 0 to 2^53");
  }
  scenario.seed = static_cast<std::uint64_t>(seed);
  if (saga != nullptr) {
    SLUICE_RETURN_IF_ERROR(read_saga(*saga, scenario.saga));
  }
  if (traffic != nullptr) {
    SLUICE_RETURN_IF_ERROR(read_traffic(*traffic, scenario.traffic));
  }
  if (network != nullptr) {
    SLUICE_RETURN_IF_ERROR(read_link(*network, "network", scenario.network));
  }
  if (links != nullptr) {
    if (!links->is_array()) return Status::invalid_argument("scenario.links must be an array");
    for (std::size_t i = 0; i < links->size(); ++i) {
      const std::string where = "links[" + std::to_string(i) + "]";
      json settings = (*links)[i];
      if (!settings.is_object()) return not_an_object(where, settings);
      LinkOverride link{.config = scenario.network};
      std::optional<Node> from;
      std::optional<Node> to;
      const json ends_object = {{"from", settings.value("from", json())}, {"to", settings.value("to", json())}};
      JsonFields ends(ends_object, where);
      node(ends, "from", from);
      node(ends, "to", to);
      SLUICE_RETURN_IF_ERROR(ends.finish());
      if (!from || !to || *from == *to)
        return Status::invalid_argument(where + ": needs \"from\" and \"to\", two different nodes");
      settings.erase("from");
      settings.erase("to");
      SLUICE_RETURN_IF_ERROR(read_link(settings, where, link.config));
      link.from = *from;
      link.to = *to;
      scenario.links.push_back(link);
    }
  }
  if (services != nullptr) {
    if (!services->is_object()) return not_an_object("scenario.services", *services);
    for (const auto& [name, settings] : services->items()) {
      const std::optional<Node> service = node_from_name(name);
      if (!service || *service == Node::kClient) {
        return Status::invalid_argument("services: unknown service \"" + name + "\"");
      }
      SLUICE_RETURN_IF_ERROR(
          read_service(settings, "services." + name, scenario.services[static_cast<std::size_t>(*service)]));
    }
  }
  if (inventory_client != nullptr) {
    Result<resilience::ResilienceConfig> client = resilience::resilience_config_from_json(*inventory_client);
    if (!client.ok()) return Status::invalid_argument("inventory_client: " + client.status().message());
    scenario.inventory_client = *client;
  }
  if (notifications != nullptr) {
    if (!notifications->is_object()) return not_an_object("notifications", *notifications);
    JsonFields nf(*notifications, "notifications");
    nf.duration("visibility_timeout", scenario.notifications.visibility_timeout);
    nf.count("max_receive_count", scenario.notifications.max_receive_count);
    SLUICE_RETURN_IF_ERROR(nf.finish());
    if (scenario.notifications.max_receive_count < 1 || scenario.notifications.max_receive_count > 1000) {
      return Status::invalid_argument("notifications.max_receive_count must be from 1 to 1000");
    }
    if (scenario.notifications.visibility_timeout.count() <= 0) {
      return Status::invalid_argument("notifications.visibility_timeout must be positive");
    }
  }
  if (faults != nullptr) {
    if (!faults->is_array()) return Status::invalid_argument("scenario.faults must be an array");
    for (std::size_t i = 0; i < faults->size(); ++i) {
      Result<Fault> fault = fault_from_json((*faults)[i], "faults[" + std::to_string(i) + "]");
      if (!fault.ok()) return fault.status();
      scenario.faults.push_back(*fault);
    }
  }
  return scenario;
}

Result<Scenario> scenario_from_text(std::string_view text) {
  Result<json> parsed = config::parse_json(text);
  if (!parsed.ok()) return parsed.status();
  return scenario_from_json(*parsed);
}

}  // namespace sluice::sim
