// http_observability.h: what every service's HTTP side reports, wired in one place:
// HttpObservability records each answered request as RED metrics, a JSON log line and
// a server span; add_standard_routes() serves GET /metrics, /healthz and /readyz.
//
//   Metrics metrics;
//   JsonLog log("inventory", spdlog::level::info);
//   HttpObservability observability("inventory", metrics, log);
//   add_standard_routes(router, "inventory", metrics, [&] { return db.ping(); });
//   HttpServer::start(io, router, {.port = 3000, .observer = &observability});
#ifndef SLUICE_NATIVE_RUNTIME_HTTP_OBSERVABILITY_H_
#define SLUICE_NATIVE_RUNTIME_HTTP_OBSERVABILITY_H_

#include <functional>
#include <string>

#include "native/runtime/http_server.h"
#include "native/runtime/json_log.h"
#include "native/runtime/metrics.h"
#include "native/runtime/router.h"

namespace sluice::native {

class HttpObservability final : public RequestObserver {
 public:
  // The metrics and log outlive this.
  HttpObservability(std::string service, Metrics& metrics, JsonLog& log);

  void on_response(const HttpRequest& request, std::string_view route, const HttpResponse& response,
                   std::chrono::steady_clock::duration elapsed) override;
  // on_shed: counted as a 503 in the RED metrics; not logged, not traced (a shed storm
  // must not become a log storm; the limiter's own events say what it does).
  void on_shed(const HttpRequest& request, std::string_view route) override;

 private:
  std::string service_;
  Metrics& metrics_;
  JsonLog& log_;
};

// Readiness: OK when the service's dependencies answer; the error says which does not.
using ReadinessCheck = std::function<Status()>;

// add_standard_routes: GET /metrics (text exposition 0.0.4), GET /healthz (the process
// is up) and GET /readyz (200 or 503 with the reason), none of them ever shed.
Status add_standard_routes(Router& router, const std::string& service, Metrics& metrics, ReadinessCheck ready);

}  // namespace sluice::native

#endif  // SLUICE_NATIVE_RUNTIME_HTTP_OBSERVABILITY_H_
