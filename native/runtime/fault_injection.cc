#include "native/runtime/fault_injection.h"

#include <asio/ip/address.hpp>

#include "core/config/json_fields.h"

namespace sluice::native {

Status FaultInjector::set(const Router& router, const std::string& route, RouteFault fault) {
  if (route != "*" && !router.has_route(route)) {
    return Status::invalid_argument("no route \"" + route + "\"; use a route pattern of this service or \"*\"");
  }
  if (fault.latency < std::chrono::milliseconds(0) || fault.latency > std::chrono::minutes(1)) {
    return Status::invalid_argument("latency_ms must be from 0 to 60000");
  }
  if (!(fault.error_rate >= 0 && fault.error_rate <= 1))
    return Status::invalid_argument("error_rate must be from 0 to 1");
  if (fault.error_status < 400 || fault.error_status > 599) {
    return Status::invalid_argument("error_status must be from 400 to 599");
  }
  faults_[route] = fault;
  return Status();
}

FaultDecision FaultInjector::decide(std::string_view route) {
  auto it = faults_.find(route);
  if (it == faults_.end()) it = faults_.find(std::string_view("*"));
  if (it == faults_.end()) return {};
  const RouteFault& fault = it->second;
  FaultDecision decision{.delay = fault.latency};
  if (prng_.chance(fault.error_rate)) {
    decision.error = HttpResponse::error(fault.error_status, "InjectedFault",
                                         "a fault set through /admin/faults answered instead of the service");
  }
  return decision;
}

nlohmann::json FaultInjector::to_json() const {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [route, fault] : faults_) {
    out[route] = {
        {"latency_ms", fault.latency.count()}, {"error_rate", fault.error_rate}, {"error_status", fault.error_status}};
  }
  return out;
}

bool is_loopback_peer(std::string_view address) {
  asio::error_code error;
  const asio::ip::address parsed = asio::ip::make_address(std::string(address), error);
  if (error) return false;
  if (parsed.is_v6() && parsed.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, parsed.to_v6()).is_loopback();
  }
  return parsed.is_loopback();
}

Status add_admin_routes(Router& router, FaultInjector& faults) {
  auto guarded = [](Handler handler) -> Handler {
    return [handler](const HttpRequest& request, const PathParams& params, Responder reply) {
      if (!is_loopback_peer(request.remote_address)) {
        return reply(HttpResponse::error(403, "Forbidden", "the admin routes answer only loopback peers"));
      }
      handler(request, params, std::move(reply));
    };
  };
  Status s =
      router.add("GET", "/admin/faults", guarded([&faults](const HttpRequest&, const PathParams&, Responder reply) {
                   reply(HttpResponse::json(200, {{"faults", faults.to_json()}}));
                 }));
  if (!s.ok()) return s;
  s = router.add("DELETE", "/admin/faults", guarded([&faults](const HttpRequest&, const PathParams&, Responder reply) {
                   faults.clear();
                   reply(HttpResponse::json(200, {{"faults", faults.to_json()}}));
                 }));
  if (!s.ok()) return s;
  const Router* routes = &router;
  s = router.add("POST", "/admin/faults",
                    guarded([&faults, routes](const HttpRequest& request, const PathParams&, Responder reply) {
                      Result<nlohmann::json> body = parse_json_body(request);
                      if (!body.ok()) return reply(HttpResponse::error(400, "MalformedJson", body.status().message()));
                      std::string route;
                      double latency_ms = 0;
                      RouteFault fault;
                      double status = fault.error_status;
                      config::JsonFields f(*body, "fault");
                      f.text("route", route);
                      f.number("latency_ms", latency_ms);
                      f.number("error_rate", fault.error_rate);
                      f.number("error_status", status);
                      if (Status s = f.finish(); !s.ok())
                        return reply(HttpResponse::error(400, "InvalidFault", s.message()));
                      if (route.empty())
                        return reply(HttpResponse::error(400, "InvalidFault", "fault: \"route\" is required"));
                      fault.latency = std::chrono::milliseconds(static_cast<std::int64_t>(latency_ms));
                      fault.error_status = static_cast<int>(status);
                      if (Status s = faults.set(*routes, route, fault); !s.ok()) {
                        return reply(HttpResponse::error(400, "InvalidFault", s.message()));
                      }
                      reply(HttpResponse::json(200, {{"faults", faults.to_json()}}));
                    }));
  if (!s.ok()) return s;
  return router.never_shed("/admin/faults");  // the operator gets in under any load
}

}  // namespace sluice::native
