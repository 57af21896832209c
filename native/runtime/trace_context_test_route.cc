#include "native/runtime/trace_context_test_route.h"

#include <memory>
#include <utility>
#include <vector>

#include "core/time/prng.h"
#include "native/cli/cli.h"
#include "native/runtime/fault_injection.h"
#include "native/runtime/http_client.h"

namespace sluice::native {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxCalls = 32;
constexpr std::string_view kScheme = "http://";

struct Call {
  HttpUrl url;
  std::string text;  // as given, for the results
  std::string body;
};

// TestRun: one request's calls, made one after another; answers when all are done.
struct TestRun : std::enable_shared_from_this<TestRun> {
  asio::io_context& io;
  observe::TraceContext trace;  // the server span of the harness's request
  time::Prng& span_ids;
  std::vector<Call> calls;
  Responder reply;
  json results = json::array();

  TestRun(asio::io_context& io, observe::TraceContext trace, time::Prng& span_ids, std::vector<Call> calls,
          Responder reply)
      : io(io), trace(std::move(trace)), span_ids(span_ids), calls(std::move(calls)), reply(std::move(reply)) {}

  void next() {
    if (results.size() == calls.size()) return reply(HttpResponse::json(200, {{"results", results}}));
    const Call& call = calls[results.size()];
    auto client = std::make_shared<HttpClient>(io, HttpClientOptions{.host = call.url.host,
                                                                     .port = call.url.port,
                                                                     .target_service = "trace-context-test",
                                                                     .max_connections = 1,
                                                                     .max_pending_requests = 1,
                                                                     .request_timeout = std::chrono::seconds(10)});
    HttpRequest request;
    request.method = "POST";
    request.path = call.url.target;
    request.target = call.url.target;
    request.headers = {{"content-type", "application/json"}, {"accept", "application/json"}};
    request.body = call.body;
    request.trace = observe::child_of(trace, span_ids);  // a client span per call
    client->request(std::move(request), [self = shared_from_this(), client](Result<HttpClientResponse> response) {
      const Call& done = self->calls[self->results.size()];
      self->results.push_back(response.ok() ? json{{"url", done.text}, {"status", response->status}}
                                            : json{{"url", done.text}, {"error", response.status().message()}});
      // The client finishes its own bookkeeping after this callback: let it go later.
      asio::post(self->io, [client] {});
      self->next();
    });
  }
};

// read_calls: the harness's instructions, or why they are refused.
Result<std::vector<Call>> read_calls(const json& body) {
  if (!body.is_array()) return Status::invalid_argument("the body must be a JSON array of {\"url\", \"arguments\"}");
  if (body.size() > kMaxCalls) {
    return Status::invalid_argument("at most " + std::to_string(kMaxCalls) + " calls per request");
  }
  std::vector<Call> calls;
  for (const json& element : body) {
    const auto url = element.is_object() ? element.find("url") : element.end();
    if (!element.is_object() || url == element.end() || !url->is_string()) {
      return Status::invalid_argument("every element needs a \"url\" string");
    }
    Result<HttpUrl> parsed = parse_loopback_http_url(url->get<std::string>());
    if (!parsed.ok()) return parsed.status();
    const auto arguments = element.find("arguments");
    const json sent = arguments == element.end() || arguments->is_null() ? json::array() : *arguments;
    calls.push_back({*parsed, url->get<std::string>(), sent.dump()});
  }
  return calls;
}

}  // namespace

Result<HttpUrl> parse_loopback_http_url(std::string_view url) {
  if (!url.starts_with(kScheme)) return Status::invalid_argument("only http:// urls: " + std::string(url));
  const std::string_view rest = url.substr(kScheme.size());
  const std::size_t slash = rest.find('/');
  const std::string authority(rest.substr(0, slash));
  HttpUrl out;
  out.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (std::optional<HostPort> host_port = parse_host_port(authority)) {
    out.host = host_port->host;
    out.port = host_port->port;
  } else if (authority.find(':') == std::string::npos || authority.starts_with('[')) {
    out.host = authority;  // no port: 80
  } else {
    return Status::invalid_argument("no valid host and port in " + std::string(url));
  }
  if (out.host.size() > 2 && out.host.front() == '[' && out.host.back() == ']') {
    out.host = out.host.substr(1, out.host.size() - 2);
  }
  if (out.host != "localhost" && !is_loopback_peer(out.host)) {
    return Status::invalid_argument("only loopback hosts are called: " + std::string(url));
  }
  return out;
}

Status add_trace_context_test_route(Router& router, asio::io_context& io, std::uint64_t seed) {
  auto span_ids = std::make_shared<time::Prng>(seed);
  return router.add(
      "POST", std::string(kTraceContextTestPath),
      [&io, span_ids](const HttpRequest& request, const PathParams&, Responder reply) {
        if (!is_loopback_peer(request.remote_address)) {
          return reply(HttpResponse::error(403, "Forbidden", "the admin routes answer only loopback peers"));
        }
        Result<json> body = parse_json_body(request);
        if (!body.ok()) return reply(HttpResponse::error(400, "MalformedJson", body.status().message()));
        Result<std::vector<Call>> calls = read_calls(*body);
        if (!calls.ok()) return reply(HttpResponse::error(400, "InvalidTestRequest", calls.status().message()));
        // The Prng lives as long as the route; runs hold it by reference.
        auto run = std::make_shared<TestRun>(io, request.trace, *span_ids, *std::move(calls), std::move(reply));
        run->next();
      });
}

}  // namespace sluice::native
