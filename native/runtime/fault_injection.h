// fault_injection.h: FaultInjector, faults a person sets on a running service for demos
// and tests: added latency, an error rate and the error's status, per route.
//
//   POST   /admin/faults  {"route": "/api/inventory/:productId", "latency_ms": 200,
//                          "error_rate": 0.5, "error_status": 503}      (route "*": all)
//   GET    /admin/faults  the faults in force
//   DELETE /admin/faults  none any more
//
// The routes exist only when the service runs with --enable_admin, and answer only
// peers on the loopback interface (403 otherwise). A request hit by an error fault gets
// {"error": {"code": "InjectedFault", ...}} without reaching its handler.
#ifndef SLUICE_NATIVE_RUNTIME_FAULT_INJECTION_H_
#define SLUICE_NATIVE_RUNTIME_FAULT_INJECTION_H_

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/base/result.h"
#include "core/time/prng.h"
#include "native/runtime/router.h"

namespace sluice::native {

struct RouteFault {
  std::chrono::milliseconds latency{0};
  double error_rate = 0;  // 0 to 1
  int error_status = 503;
};

// FaultDecision: what to do with one request.
struct FaultDecision {
  std::chrono::milliseconds delay{0};
  std::optional<HttpResponse> error;  // answer this instead of calling the handler
};

class FaultInjector {
 public:
  explicit FaultInjector(std::uint64_t seed) : prng_(seed) {}

  // set: `route` is a route pattern of `router` or "*".
  Status set(const Router& router, const std::string& route, RouteFault fault);
  void clear() { faults_.clear(); }
  // decide: the fault for a request on `route` (a route's own fault wins over "*").
  FaultDecision decide(std::string_view route);
  nlohmann::json to_json() const;

 private:
  std::map<std::string, RouteFault, std::less<>> faults_;
  time::Prng prng_;
};

// is_loopback_peer: the admin routes answer only these ("127.0.0.1", "::1", 127/8).
bool is_loopback_peer(std::string_view address);

// add_admin_routes: the three routes above, on `router`.
Status add_admin_routes(Router& router, FaultInjector& faults);

}  // namespace sluice::native

#endif  // SLUICE_NATIVE_RUNTIME_FAULT_INJECTION_H_
