#include "native/runtime/http_server.h"

#include <array>
#include <cstdio>
#include <deque>
#include <exception>
#include <optional>
#include <random>
#include <utility>

namespace sluice::native {

using tcp = asio::ip::tcp;

namespace {

// run_handler: calls `handler`; if it throws, its request fails with a 500 and the
// connection and the process go on (a bug in one handler must not take a service down).
// The copy of `respond` shares its "answered" flag: if the handler answered before it
// threw, that answer stands.
void run_handler(const Handler& handler, const HttpRequest& request, const PathParams& params, Responder respond) {
  Responder on_throw = respond;
  try {
    handler(request, params, std::move(respond));
  } catch (const std::exception& error) {
    on_throw(HttpResponse::json(500, {{"error", "internal error"}, {"detail", error.what()}}));
  }
}

}  // namespace

// HttpConnection: one client. Requests go to handlers in order; their responses wait in
// `slots_` and are written strictly in request order.
class HttpConnection : public std::enable_shared_from_this<HttpConnection> {
 public:
  HttpConnection(HttpServer& server, tcp::socket socket)
      : server_(server), socket_(std::move(socket)), timer_(socket_.get_executor()), parser_(server.options_.limits) {}

  void start() {
    if (server_.options_.limiter != nullptr) {
      parser_.set_head_check([this](const HttpRequest& head) { return admit(head); });
    }
    asio::error_code error;
    const tcp::endpoint peer = socket_.remote_endpoint(error);
    if (!error) remote_address_ = peer.address().to_string();
    arm_timer();
    read();
  }

  // refuse: answers 503 and closes, for a connection over the limit.
  void refuse() {
    slots_.push_back(
        Slot{HttpResponse::error(503, "TooManyConnections", "the server is at its connection limit"), false});
    slots_.back().response->close = true;
    write();
  }

  // drain: the server is shutting down; close now if idle, else after what is in flight.
  // A client that has closed its side is not waited for: while running, a half-closed
  // client still gets its answers, but a stop must not wait on a long poll whose
  // client is most likely gone.
  void drain() {
    draining_ = true;
    if (stream_) stream_->close();  // a stream would never end by itself
    if ((slots_.empty() && !parser_.in_request()) || stop_reading_) close();
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    if (stream_) {
      stream_->set_wake(nullptr);
      stream_->mark_closed();  // the client went away, or the stream ended
    }
    asio::error_code ignored;
    timer_.cancel(ignored);
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    server_.closed(this);
  }

 private:
  struct Slot {
    std::optional<HttpResponse> response;
    bool keep_alive = true;
  };

  // Admission: what the limiter said at a request's headers.
  struct Admission {
    bool shed = false;
    resilience::AdaptiveLimiter::Permit permit;  // falsy for never_shed routes
  };

  // Pending: a request at its handler; the permit goes back when it answers (or, if
  // the handler drops the responder unanswered, when the last copy goes: ignored).
  struct Pending {
    bool answered = false;
    resilience::AdaptiveLimiter::Permit permit;
  };

  // admit: the head check, called by the parser at each request's headers.
  bool admit(const HttpRequest& head) {
    Admission admission;
    if (server_.router_.sheds(head.path)) {
      admission.permit = server_.options_.limiter->try_acquire();
      admission.shed = !admission.permit;
    }
    const bool keep_body = !admission.shed;
    admissions_.push_back(std::move(admission));
    return keep_body;
  }

  void read() {
    if (closed_ || stop_reading_) return;
    auto self = shared_from_this();
    socket_.async_read_some(asio::buffer(buffer_),
                            [self](const asio::error_code& error, std::size_t size) { self->on_read(error, size); });
  }

  void on_read(const asio::error_code& error, std::size_t size) {
    if (closed_) return;
    if (error) {
      // The client is gone or half-closed: answer nothing more, close once written.
      stop_reading_ = true;
      if (slots_.empty() || stream_ || draining_) close();
      return;
    }
    std::vector<HttpRequest> ready;
    std::optional<ParseError> failure = parser_.feed(std::string_view(buffer_.data(), size), ready);
    for (HttpRequest& request : ready) dispatch(std::move(request));
    if (failure) {
      admissions_.clear();  // of a request the error cut short: never dispatched
      stop_reading_ = true;
      slots_.push_back(Slot{failure->response(), false});
      write();
      return;
    }
    arm_timer();
    read();
  }

  void dispatch(HttpRequest request) {
    const bool keep_alive = request.keep_alive && !draining_;
    if (!request.keep_alive) stop_reading_ = true;
    slots_.push_back(Slot{std::nullopt, keep_alive});
    const std::size_t index = first_slot_ + slots_.size() - 1;
    auto pending = std::make_shared<Pending>();
    if (server_.options_.limiter != nullptr && !admissions_.empty()) {
      Admission admission = std::move(admissions_.front());
      admissions_.pop_front();
      if (admission.shed) {
        // Refused before any work: no trace, no routing, no handler.
        if (RequestObserver* observer = server_.options_.observer) {
          observer->on_shed(request, server_.router_.route_of(request.method, request.path));
        }
        return answer(index, server_.shed_response_);
      }
      pending->permit = std::move(admission.permit);
    }
    // Every traceparent and tracestate header counts: two traceparents start a new trace.
    const Result<observe::TraceContext> caller = observe::read_trace_context(request.trace_headers());
    if (caller.ok()) request.parent_span_id = caller->span_id_hex();
    const observe::TraceContext incoming = caller.ok() ? *caller : observe::start_trace(server_.trace_ids_);
    request.trace = observe::child_of(incoming, server_.trace_ids_);
    request.remote_address = remote_address_;
    Router::Match match = server_.router_.match(request.method, request.path);
    auto shared_request = std::make_shared<const HttpRequest>(std::move(request));
    const auto started = std::chrono::steady_clock::now();
    std::weak_ptr<HttpConnection> weak = weak_from_this();
    Responder respond = [weak, index, pending, shared_request, started](HttpResponse response) {
      if (pending->answered) return;  // a handler that answers twice: the first answer stands
      pending->answered = true;
      if (pending->permit) pending->permit.release(limit_outcome_of_http_status(response.status));
      auto self = weak.lock();
      if (!self) return;
      if (RequestObserver* observer = self->server_.options_.observer) {
        const std::string route = self->server_.router_.route_of(shared_request->method, shared_request->path);
        observer->on_response(*shared_request, route, response, std::chrono::steady_clock::now() - started);
      }
      self->answer(index, std::move(response));
    };
    if (match.handler == nullptr) {
      if (pending->permit) pending->permit.release(resilience::LimitOutcome::kIgnored);  // no work was done
      return respond(std::move(match.error));
    }
    FaultDecision fault;
    if (server_.options_.faults != nullptr) {
      fault = server_.options_.faults->decide(server_.router_.route_of(shared_request->method, shared_request->path));
    }
    if (fault.delay.count() == 0) {
      if (fault.error) return respond(std::move(*fault.error));
      return run_handler(*match.handler, *shared_request, match.params, std::move(respond));
    }
    // Injected latency: the request waits, then fails or goes on to its handler.
    auto timer = std::make_shared<asio::steady_timer>(socket_.get_executor(), fault.delay);
    const Handler* handler = match.handler;
    timer->async_wait([timer, handler, shared_request, params = std::move(match.params), respond = std::move(respond),
                       error = std::move(fault.error)](const asio::error_code&) mutable {
      if (error) return respond(std::move(*error));
      run_handler(*handler, *shared_request, params, std::move(respond));
    });
  }

  void answer(std::size_t index, HttpResponse response) {
    if (closed_ || index < first_slot_) return;
    slots_[index - first_slot_].response = std::move(response);
    write();
  }

  void write() {
    if (writing_ || closed_ || slots_.empty() || !slots_.front().response) {
      arm_timer();
      return;
    }
    Slot& slot = slots_.front();
    if (slot.response->stream) return start_stream(slot.response->stream, serialize_stream_head(*slot.response));
    const bool keep_alive = slot.keep_alive && !slot.response->close && !draining_;
    out_ = serialize_response(*slot.response, keep_alive);
    writing_ = true;
    auto self = shared_from_this();
    asio::async_write(socket_, asio::buffer(out_), [self, keep_alive](const asio::error_code& error, std::size_t) {
      self->writing_ = false;
      self->slots_.pop_front();
      ++self->first_slot_;
      if (error || !keep_alive) return self->close();
      const bool nothing_more = self->stop_reading_ || (self->draining_ && !self->parser_.in_request());
      if (nothing_more && self->slots_.empty()) return self->close();
      self->write();
    });
  }

  // start_stream: the front response streams: its head, then its chunks as they come,
  // then the connection ends.
  void start_stream(std::shared_ptr<ResponseStream> stream, std::string head) {
    stream_ = std::move(stream);
    std::weak_ptr<HttpConnection> weak = weak_from_this();
    stream_->set_wake([weak] {
      if (auto self = weak.lock()) self->write_stream();
    });
    out_ = std::move(head);
    writing_ = true;
    auto self = shared_from_this();
    asio::async_write(socket_, asio::buffer(out_), [self](const asio::error_code& error, std::size_t) {
      self->writing_ = false;
      if (error) return self->close();
      self->write_stream();
    });
  }

  void write_stream() {
    if (writing_ || closed_ || !stream_) return;
    if (stream_->queued().empty()) {
      if (!stream_->closed()) return;
      out_ = "0\r\n\r\n";  // the last chunk
    } else {
      std::string& data = stream_->queued().front();
      char size[20];
      std::snprintf(size, sizeof(size), "%zx\r\n", data.size());
      out_ = size + data + "\r\n";
      stream_->queued().pop_front();
    }
    const bool last = out_ == "0\r\n\r\n";
    writing_ = true;
    auto self = shared_from_this();
    asio::async_write(socket_, asio::buffer(out_), [self, last](const asio::error_code& error, std::size_t) {
      self->writing_ = false;
      if (error || last) return self->close();
      self->write_stream();
    });
  }

  // arm_timer: a request under way must finish within request_timeout; an idle
  // connection is closed after idle_timeout; a handler at work has no deadline here.
  void arm_timer() {
    if (closed_) return;
    const HttpServerOptions& options = server_.options_;
    std::optional<std::chrono::steady_clock::duration> wait;
    if (parser_.in_request()) {
      if (!request_started_) request_started_ = std::chrono::steady_clock::now();
      wait = *request_started_ + options.request_timeout - std::chrono::steady_clock::now();
    } else {
      request_started_.reset();
      if (slots_.empty()) wait = options.idle_timeout;
    }
    asio::error_code ignored;
    timer_.cancel(ignored);
    if (!wait) return;
    const bool in_request = parser_.in_request();
    timer_.expires_after(*wait);
    auto self = shared_from_this();
    timer_.async_wait([self, in_request](const asio::error_code& error) {
      if (error || self->closed_) return;
      if (!in_request) return self->close();
      self->stop_reading_ = true;
      self->slots_.push_back(
          Slot{ParseError{408, "RequestTimeout", "the request did not arrive in time"}.response(), false});
      self->write();
    });
  }

  HttpServer& server_;
  tcp::socket socket_;
  asio::steady_timer timer_;
  RequestParser parser_;
  std::array<char, 16 * 1024> buffer_{};
  std::deque<Slot> slots_;
  std::deque<Admission> admissions_;  // of requests whose headers are in, not yet dispatched
  std::size_t first_slot_ = 0;  // the index of slots_.front() among all requests
  std::string out_;
  std::shared_ptr<ResponseStream> stream_;  // set once the front response streams
  std::string remote_address_;
  std::optional<std::chrono::steady_clock::time_point> request_started_;
  bool writing_ = false;
  bool stop_reading_ = false;
  bool draining_ = false;
  bool closed_ = false;
};

HttpServer::HttpServer(asio::io_context& io, const Router& router, HttpServerOptions options)
    : io_(io),
      router_(router),
      options_(std::move(options)),
      acceptor_(io),
      shed_response_([] {
        HttpResponse response =
            HttpResponse::error(503, "Overloaded", "the server is at its concurrency limit; retry later");
        response.headers.emplace_back("Retry-After", "1");
        return response;
      }()),
      trace_ids_((static_cast<std::uint64_t>(std::random_device()()) << 32) ^ std::random_device()()) {}

HttpServer::~HttpServer() {
  asio::error_code ignored;
  acceptor_.close(ignored);
  for (const auto& connection : std::set<std::shared_ptr<HttpConnection>>(connections_)) connection->close();
}

Result<std::unique_ptr<HttpServer>> HttpServer::start(asio::io_context& io, const Router& router,
                                                      HttpServerOptions options) {
  std::unique_ptr<HttpServer> server(new HttpServer(io, router, std::move(options)));
  asio::error_code error;
  const asio::ip::address address = asio::ip::make_address(server->options_.address, error);
  if (error) return Status::invalid_argument("bad address \"" + server->options_.address + "\": " + error.message());
  const tcp::endpoint endpoint(address, server->options_.port);
  const std::string where = server->options_.address + ":" + std::to_string(server->options_.port);
  if (server->acceptor_.open(endpoint.protocol(), error); error) {
    return Status(StatusCode::kUnavailable, "cannot open a socket for " + where + ": " + error.message());
  }
  server->acceptor_.set_option(tcp::acceptor::reuse_address(true), error);
  if (server->acceptor_.bind(endpoint, error); error) {
    return Status(StatusCode::kUnavailable, "cannot listen on " + where + ": " + error.message());
  }
  if (server->acceptor_.listen(asio::socket_base::max_listen_connections, error); error) {
    return Status(StatusCode::kUnavailable, "cannot listen on " + where + ": " + error.message());
  }
  server->port_ = server->acceptor_.local_endpoint().port();
  server->accept();
  return server;
}

void HttpServer::accept() {
  acceptor_.async_accept([this](const asio::error_code& error, tcp::socket socket) {
    if (error || shutting_down_) return;  // closed by shutdown or the destructor
    auto connection = std::make_shared<HttpConnection>(*this, std::move(socket));
    const bool over_limit = connections_.size() >= options_.max_connections;
    connections_.insert(connection);
    if (over_limit) {
      connection->refuse();
    } else {
      connection->start();
    }
    accept();
  });
}

void HttpServer::closed(HttpConnection* connection) {
  for (auto it = connections_.begin(); it != connections_.end(); ++it) {
    if (it->get() == connection) {
      // Keep it alive until its handlers return; asio holds the last reference.
      connections_.erase(it);
      break;
    }
  }
  if (shutting_down_ && connections_.empty() && on_drained_) {
    auto done = std::move(on_drained_);
    on_drained_ = nullptr;
    asio::post(io_, std::move(done));
  }
}

void HttpServer::shutdown(std::function<void()> done) {
  shutting_down_ = true;
  on_drained_ = std::move(done);
  asio::error_code ignored;
  acceptor_.close(ignored);
  for (const auto& connection : std::set<std::shared_ptr<HttpConnection>>(connections_)) connection->drain();
  if (connections_.empty() && on_drained_) {
    auto finished = std::move(on_drained_);
    on_drained_ = nullptr;
    asio::post(io_, std::move(finished));
  }
}

}  // namespace sluice::native
