// http_client.h: HttpClient, HTTP/1.1 calls from one service to another on asio, with
// a connection pool per host that has Istio's connectionPool semantics:
//
//   HttpClient inventory(io, {.host = "127.0.0.1", .port = 3000, .target_service = "inventory",
//                             .max_connections = 16, .max_pending_requests = 64});
//   inventory.call(pipeline, request, [](Result<HttpClientResponse> r, const resilience::CallResult& how) {...});
//
// At most max_connections are open to the host; requests beyond them wait in a FIFO
// of at most max_pending_requests, and one more is refused at once ("pool_overflow",
// as Envoy's upstream_rq_pending_overflow). Connections are kept alive and reused;
// one request per connection at a time. An idle connection the server closes (it
// restarted, or timed the connection out) leaves the pool at once, so no request is
// sent into it. A request with a trace context sends it as
// traceparent/tracestate. call() runs each attempt through a resilience Pipeline
// (timeout, retry with budget, breaker, bulkhead...): a 5xx or a transport error is a
// retryable failure, any other status a success for the policies.
//
// Everything runs on the io_context's thread.
#ifndef SLUICE_NATIVE_RUNTIME_HTTP_CLIENT_H_
#define SLUICE_NATIVE_RUNTIME_HTTP_CLIENT_H_

#include <asio.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <set>
#include <string>

#include "core/base/result.h"
#include "core/resilience/pipeline.h"
#include "native/runtime/http_message.h"
#include "native/runtime/metrics.h"

namespace sluice::native {

struct HttpClientOptions {
  std::string host = "127.0.0.1";  // an address, or a name to resolve
  std::uint16_t port = 80;
  std::string target_service;  // the callee, for metrics labels and errors
  std::size_t max_connections = 64;
  std::size_t max_pending_requests = 1024;
  std::chrono::steady_clock::duration connect_timeout = std::chrono::seconds(1);
  // request_timeout: how long a connection waits for a reply before it is closed; the
  // pipeline's own timeout usually answers the caller sooner.
  std::chrono::steady_clock::duration request_timeout = std::chrono::seconds(30);
  std::size_t max_response_bytes = 8 * 1024 * 1024;
  Metrics* metrics = nullptr;  // client-side RED metrics, if given
};

struct HttpClientResponse {
  int status = 0;
  HttpHeaders headers;  // names lowercased
  std::string body;
};

namespace client_error {
inline constexpr std::string_view kPoolOverflow = "pool_overflow";
inline constexpr std::string_view kConnectFailed = "connect_failed";
inline constexpr std::string_view kTransport = "transport_error";
}  // namespace client_error

class ClientConnection;

class HttpClient {
 public:
  using Callback = std::function<void(Result<HttpClientResponse>)>;
  using CallCallback = std::function<void(Result<HttpClientResponse>, const resilience::CallResult&)>;

  HttpClient(asio::io_context& io, HttpClientOptions options);
  ~HttpClient();

  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // request: one attempt; `done` is called once, never inside request(). `route` labels
  // the metrics (defaults to the path).
  void request(HttpRequest request, Callback done, std::string route = "");

  // call: attempts through `pipeline` until it gives its verdict; `done` gets the last
  // response (or error) and the verdict. The pipeline outlives the call.
  void call(const resilience::Pipeline& pipeline, HttpRequest request, CallCallback done, std::string route = "");

  std::size_t open_connections() const { return open_; }
  std::size_t idle_connections() const { return idle_.size(); }
  std::size_t pending_requests() const { return pending_.size(); }
  PoolUse use() const { return {open_, idle_.size(), pending_.size()}; }

 private:
  friend class ClientConnection;
  struct Pending {
    std::string bytes;
    std::string method;
    std::string route;
    Callback done;
    std::chrono::steady_clock::time_point started;
  };

  void dispatch();
  void finished(const std::shared_ptr<ClientConnection>& connection, bool reusable);
  // make_idle: back into the pool, watched: one the server closes there leaves it.
  void make_idle(const std::shared_ptr<ClientConnection>& connection);
  void complete(Pending& pending, Result<HttpClientResponse> result);

  asio::io_context& io_;
  std::shared_ptr<const HttpClientOptions> shared_options_;
  const HttpClientOptions& options_;
  std::deque<Pending> pending_;
  std::deque<std::shared_ptr<ClientConnection>> idle_;
  std::set<std::shared_ptr<ClientConnection>> busy_;
  std::size_t open_ = 0;  // idle + busy + connecting
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace sluice::native

#endif  // SLUICE_NATIVE_RUNTIME_HTTP_CLIENT_H_
