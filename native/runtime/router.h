// router.h: Router, from method and path to a handler, with path parameters:
//
//   router.add("GET", "/api/inventory/:productId", [](const HttpRequest&, const PathParams& p, Responder reply) {
//     reply(HttpResponse::json(200, {{"productId", p.at("productId")}}));
//   });
//
// A path no route matches is a 404; a path that matches under other methods only is a
// 405 with an Allow header. Parameters are percent-decoded; a segment that does not
// decode is a 400.
#ifndef SLUICE_NATIVE_RUNTIME_ROUTER_H_
#define SLUICE_NATIVE_RUNTIME_ROUTER_H_

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/status.h"
#include "native/runtime/http_message.h"

namespace sluice::native {

using PathParams = std::map<std::string, std::string, std::less<>>;
// Responder: sends the response; call it once, now or later, on the server's thread.
using Responder = std::function<void(HttpResponse)>;
using Handler = std::function<void(const HttpRequest&, const PathParams&, Responder)>;

class Router {
 public:
  // add: REQUIRES a pattern of '/'-separated literal or ":name" segments, a route not
  // added before.
  Status add(std::string method, std::string_view pattern, Handler handler);

  // wrap: replaces the handler of every route added so far by wrapper(handler), e.g.
  // to hold replies until a commit (GroupCommit).
  void wrap(const std::function<Handler(Handler)>& wrapper);

  struct Match {
    const Handler* handler = nullptr;  // null: `error` says why
    PathParams params;
    HttpResponse error;
  };
  Match match(std::string_view method, std::string_view path) const;

  // has_route: a route with this pattern exists (under any method).
  bool has_route(std::string_view pattern) const;

  // never_shed: requests for `pattern` (any method) are always served, however loaded
  // the server is: health, readiness, metrics, admin, event streams, and steps of work
  // already accepted elsewhere (a saga's calls to its participants). An error if no
  // route has that pattern.
  Status never_shed(std::string_view pattern);
  // sheds: whether a request for `path` may be shed under load (false for the routes
  // marked never_shed). Cheap: allocates nothing, looks only at the marked routes.
  bool sheds(std::string_view path) const;

  // route_of: the pattern that matches, for metrics labels ("/api/inventory/:productId").
  std::string route_of(std::string_view method, std::string_view path) const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
    bool never_shed = false;
  };
  static bool segments_match(const Route& route, const std::vector<std::string_view>& segments, PathParams* params,
                             bool* bad_encoding);

  std::vector<Route> routes_;
};

// percent_decode: "%20" and friends; false on a malformed escape.
bool percent_decode(std::string_view text, std::string& out);

}  // namespace sluice::native

#endif  // SLUICE_NATIVE_RUNTIME_ROUTER_H_
