#include "native/runtime/http_observability.h"

#include <chrono>
#include <utility>

namespace sluice::native {

HttpObservability::HttpObservability(std::string service, Metrics& metrics, JsonLog& log)
    : service_(std::move(service)), metrics_(metrics), log_(log) {}

void HttpObservability::on_response(const HttpRequest& request, std::string_view route, const HttpResponse& response,
                                    std::chrono::steady_clock::duration elapsed) {
  metrics_.record_http(request.method, route, response.status, service_, elapsed);
  const double duration_ms = std::chrono::duration<double, std::milli>(elapsed).count();
  const auto level = response.status >= 500 ? spdlog::level::err : spdlog::level::info;
  log_.log(level, "http.request", &request.trace, duration_ms,
           {{"method", request.method}, {"route", route}, {"path", request.path}, {"status", response.status}});
  const auto end = std::chrono::system_clock::now();
  SpanRecord span{.name = request.method + " " + std::string(route),
                  .context = request.trace,
                  .parent_span_id = request.parent_span_id,
                  .start = end - std::chrono::duration_cast<std::chrono::system_clock::duration>(elapsed),
                  .end = end,
                  .error = response.status >= 500};
  span.attributes = {{"http.method", request.method},
                     {"http.route", route},
                     {"http.status_code", response.status},
                     {"url.path", request.path}};
  log_.span(span);
}

void HttpObservability::on_shed(const HttpRequest& request, std::string_view route) {
  metrics_.record_http(request.method, route, 503, service_, std::chrono::steady_clock::duration::zero());
}

Status add_standard_routes(Router& router, const std::string& service, Metrics& metrics, ReadinessCheck ready) {
  const auto started = std::chrono::steady_clock::now();
  Status s = router.add("GET", "/metrics", [&metrics](const HttpRequest&, const PathParams&, Responder reply) {
    HttpResponse response;
    response.headers.emplace_back("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    response.body = metrics.exposition();
    reply(std::move(response));
  });
  if (!s.ok()) return s;
  s = router.add("GET", "/healthz", [service, started](const HttpRequest&, const PathParams&, Responder reply) {
    const double uptime = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    reply(HttpResponse::json(200, {{"status", "ok"}, {"service", service}, {"uptime_seconds", uptime}}));
  });
  if (!s.ok()) return s;
  s = router.add("GET", "/readyz", [service, ready](const HttpRequest&, const PathParams&, Responder reply) {
    const Status status = ready ? ready() : Status();
    if (status.ok()) return reply(HttpResponse::json(200, {{"status", "ready"}, {"service", service}}));
    reply(HttpResponse::error(503, "NotReady", status.message()));
  });
  if (!s.ok()) return s;
  // An overloaded service must still say how it is.
  for (std::string_view route : {"/metrics", "/healthz", "/readyz"}) {
    if (s = router.never_shed(route); !s.ok()) return s;
  }
  return Status();
}

}  // namespace sluice::native
