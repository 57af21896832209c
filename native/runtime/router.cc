#include "native/runtime/router.h"

#include <utility>

namespace sluice::native {
namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> segments;
  std::size_t start = 1;  // past the leading '/'
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    segments.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return segments;
}

// path_matches: `path` has the pattern's segments (a ":name" segment matches any
// non-empty one), without splitting the path into a vector.
bool path_matches(const std::vector<std::string>& pattern, std::string_view path) {
  if (path.empty() || path[0] != '/') return false;
  std::size_t start = 1;  // past the leading '/'
  for (const std::string& want : pattern) {
    if (start > path.size()) return false;
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view segment = path.substr(start, end - start);
    if (!want.empty() && want[0] == ':') {
      if (segment.empty()) return false;
    } else if (want != segment) {
      return false;
    }
    start = end + 1;
  }
  return start > path.size();  // and no segment left over
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool percent_decode(std::string_view text, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) return false;
    const int high = hex_value(text[i + 1]);
    const int low = hex_value(text[i + 2]);
    if (high < 0 || low < 0) return false;
    out += static_cast<char>(high << 4 | low);
    i += 2;
  }
  return true;
}

void Router::wrap(const std::function<Handler(Handler)>& wrapper) {
  for (Route& route : routes_) route.handler = wrapper(std::move(route.handler));
}

Status Router::add(std::string method, std::string_view pattern, Handler handler) {
  if (pattern.empty() || pattern[0] != '/') {
    return Status::invalid_argument("route \"" + std::string(pattern) + "\" must start with '/'");
  }
  for (const Route& route : routes_) {
    if (route.method == method && route.pattern == pattern) {
      return Status::invalid_argument("route " + method + " " + std::string(pattern) + " is already added");
    }
  }
  Route route{std::move(method), std::string(pattern), {}, std::move(handler)};
  for (std::string_view segment : split_path(pattern)) route.segments.emplace_back(segment);
  routes_.push_back(std::move(route));
  return Status();
}

bool Router::segments_match(const Route& route, const std::vector<std::string_view>& segments, PathParams* params,
                            bool* bad_encoding) {
  if (route.segments.size() != segments.size()) return false;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const std::string& want = route.segments[i];
    if (!want.empty() && want[0] == ':') {
      if (segments[i].empty()) return false;
      std::string decoded;
      if (!percent_decode(segments[i], decoded)) {
        *bad_encoding = true;
        return false;
      }
      if (params != nullptr) (*params)[want.substr(1)] = std::move(decoded);
    } else if (want != segments[i]) {
      return false;
    }
  }
  return true;
}

Router::Match Router::match(std::string_view method, std::string_view path) const {
  const std::vector<std::string_view> segments = split_path(path);
  Match result;
  std::string allow;
  bool bad_encoding = false;
  for (const Route& route : routes_) {
    PathParams params;
    if (!segments_match(route, segments, &params, &bad_encoding)) continue;
    if (route.method == method) {
      result.handler = &route.handler;
      result.params = std::move(params);
      return result;
    }
    allow += (allow.empty() ? "" : ", ") + route.method;
  }
  if (bad_encoding) {
    result.error = HttpResponse::error(400, "MalformedRequest", "a path segment has a malformed %-escape");
  } else if (!allow.empty()) {
    result.error = HttpResponse::error(
        405, "MethodNotAllowed", std::string(method) + " is not allowed on " + std::string(path) + "; use " + allow);
    result.error.headers.emplace_back("Allow", allow);
  } else {
    result.error =
        HttpResponse::error(404, "NotFound", "no route for " + std::string(method) + " " + std::string(path));
  }
  return result;
}

bool Router::has_route(std::string_view pattern) const {
  for (const Route& route : routes_) {
    if (route.pattern == pattern) return true;
  }
  return false;
}

Status Router::never_shed(std::string_view pattern) {
  bool found = false;
  for (Route& route : routes_) {
    if (route.pattern == pattern) route.never_shed = found = true;
  }
  if (!found) return Status::invalid_argument("never_shed: no route \"" + std::string(pattern) + "\"");
  return Status();
}

bool Router::sheds(std::string_view path) const {
  for (const Route& route : routes_) {
    if (route.never_shed && path_matches(route.segments, path)) return false;
  }
  return true;
}

std::string Router::route_of(std::string_view method, std::string_view path) const {
  const std::vector<std::string_view> segments = split_path(path);
  bool bad_encoding = false;
  for (const Route& route : routes_) {
    if (route.method == method && segments_match(route, segments, nullptr, &bad_encoding)) return route.pattern;
  }
  return "unmatched";
}

}  // namespace sluice::native
