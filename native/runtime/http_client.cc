#include "native/runtime/http_client.h"

#include <http_parser.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

namespace sluice::native {

using tcp = asio::ip::tcp;

namespace {

bool has_trace(const observe::TraceContext& trace) {
  for (std::uint8_t b : trace.trace_id) {
    if (b != 0) return true;
  }
  return false;
}

std::string serialize_request(const HttpRequest& request, const HttpClientOptions& options) {
  std::string out = request.method + " " + (request.target.empty() ? request.path : request.target) + " HTTP/1.1\r\n";
  out += "Host: " + options.host + ":" + std::to_string(options.port) + "\r\n";
  for (const auto& [name, value] : request.headers) {
    if (name == "traceparent" || name == "tracestate" || name == "content-length" || name == "host") continue;
    out += name + ": " + value + "\r\n";
  }
  if (has_trace(request.trace)) {
    out += "traceparent: " + request.trace.traceparent() + "\r\n";
    if (!request.trace.tracestate.empty()) out += "tracestate: " + request.trace.tracestate + "\r\n";
  }
  out += "Content-Length: " + std::to_string(request.body.size()) + "\r\n\r\n";
  out += request.body;
  return out;
}

}  // namespace

// ClientConnection: one keep-alive connection; one exchange at a time.
class ClientConnection : public std::enable_shared_from_this<ClientConnection> {
 public:
  using Exchange = std::function<void(Result<HttpClientResponse>, bool reusable)>;

  // The options are shared: asio may finish a connection's operations after the
  // client that opened it is gone.
  ClientConnection(asio::io_context& io, std::shared_ptr<const HttpClientOptions> options)
      : options_(std::move(options)), socket_(io), resolver_(io), timer_(io) {
    http_parser_settings_init(&settings_);
    settings_.on_status = [](http_parser*, const char*, std::size_t) { return 0; };
    settings_.on_header_field = [](http_parser* p, const char* at, std::size_t length) {
      auto& self = *static_cast<ClientConnection*>(p->data);
      if (self.response_.headers.empty() || self.last_was_value_) self.response_.headers.emplace_back();
      self.last_was_value_ = false;
      for (std::size_t i = 0; i < length; ++i) {
        self.response_.headers.back().first += static_cast<char>(std::tolower(static_cast<unsigned char>(at[i])));
      }
      return 0;
    };
    settings_.on_header_value = [](http_parser* p, const char* at, std::size_t length) {
      auto& self = *static_cast<ClientConnection*>(p->data);
      self.last_was_value_ = true;
      self.response_.headers.back().second.append(at, length);
      return 0;
    };
    settings_.on_body = [](http_parser* p, const char* at, std::size_t length) {
      auto& self = *static_cast<ClientConnection*>(p->data);
      if (self.response_.body.size() + length > self.options_->max_response_bytes) return 1;
      self.response_.body.append(at, length);
      return 0;
    };
    settings_.on_message_complete = [](http_parser* p) {
      auto& self = *static_cast<ClientConnection*>(p->data);
      self.response_.status = static_cast<int>(p->status_code);
      self.complete_ = true;
      self.keep_alive_ = http_should_keep_alive(p) != 0;
      return 0;
    };
  }

  // connect: to the host's address, or to each address a name resolves to in turn.
  void connect(std::function<void(const asio::error_code&)> done) {
    auto self = shared_from_this();
    arm(options_->connect_timeout);
    auto connected = [self, done](const asio::error_code& failed) {
      self->timer_.cancel();
      if (!failed) {
        asio::error_code ignored;
        self->socket_.set_option(tcp::no_delay(true), ignored);
      }
      done(failed);
    };
    asio::error_code not_an_address;
    const asio::ip::address address = asio::ip::make_address(options_->host, not_an_address);
    if (!not_an_address) {
      return socket_.async_connect(tcp::endpoint(address, options_->port), std::move(connected));
    }
    resolver_.async_resolve(
        options_->host, std::to_string(options_->port),
        [self, connected](const asio::error_code& error, tcp::resolver::results_type results) {
          if (error) return connected(error);
          asio::async_connect(self->socket_, results,
                              [connected](const asio::error_code& failed, const tcp::endpoint&) { connected(failed); });
        });
  }

  void exchange(const std::string& bytes, Exchange done) {
    done_ = std::move(done);
    response_ = HttpClientResponse();
    complete_ = false;
    last_was_value_ = false;
    http_parser_init(&parser_, HTTP_RESPONSE);
    parser_.data = this;
    arm(options_->request_timeout);
    auto self = shared_from_this();
    asio::async_write(socket_, asio::buffer(bytes), [self](const asio::error_code& error, std::size_t) {
      if (error) return self->fail(error.message());
      self->read();
    });
  }

  void close() {
    asio::error_code ignored;
    timer_.cancel();
    socket_.close(ignored);
  }

  // watch_idle: while the connection waits in the pool, notices the server closing it
  // (a restart, its idle timeout) and calls `closed`, so that the next request is not
  // sent into a dead connection. Anything the server sends unasked counts as closing.
  void watch_idle(std::function<void()> closed) {
    const std::uint64_t watch = ++idle_watch_;
    auto self = shared_from_this();
    socket_.async_read_some(asio::buffer(idle_byte_),
                            [self, watch, closed](const asio::error_code& error, std::size_t) {
                              if (watch != self->idle_watch_ || error == asio::error::operation_aborted)
                                return;  // taken for a request
                              closed();
                            });
  }
  // stop_watching: the connection leaves the pool for a request.
  void stop_watching() {
    ++idle_watch_;
    asio::error_code ignored;
    socket_.cancel(ignored);
  }

 private:
  void arm(std::chrono::steady_clock::duration timeout) {
    timer_.expires_after(timeout);
    std::weak_ptr<ClientConnection> weak = weak_from_this();
    timer_.async_wait([weak](const asio::error_code& error) {
      if (error) return;
      if (auto self = weak.lock()) {
        asio::error_code ignored;
        self->socket_.close(ignored);  // the pending operation fails with operation_aborted
      }
    });
  }

  void read() {
    auto self = shared_from_this();
    socket_.async_read_some(asio::buffer(buffer_), [self](const asio::error_code& error, std::size_t size) {
      if (error) {
        // A response without a length ends with the connection.
        if (error == asio::error::eof) http_parser_execute(&self->parser_, &self->settings_, nullptr, 0);
        if (self->complete_) return self->finish(false);
        return self->fail(error == asio::error::operation_aborted ? "no reply in time" : error.message());
      }
      const std::size_t parsed = http_parser_execute(&self->parser_, &self->settings_, self->buffer_.data(), size);
      if (parsed != size && !self->complete_) {
        return self->fail(std::string("malformed response: ") +
                          http_errno_description(static_cast<http_errno>(self->parser_.http_errno)));
      }
      if (self->complete_) return self->finish(self->keep_alive_ && parsed == size);
      self->read();
    });
  }

  void finish(bool reusable) {
    timer_.cancel();
    Exchange done = std::move(done_);
    done_ = nullptr;
    if (done) done(std::move(response_), reusable);
  }

  void fail(const std::string& why) {
    timer_.cancel();
    Exchange done = std::move(done_);
    done_ = nullptr;
    if (done) {
      done(
          Status(StatusCode::kUnavailable,
                 options_->target_service + " at " + options_->host + ":" + std::to_string(options_->port) + ": " + why,
                 client_error::kTransport),
          false);
    }
  }

  std::shared_ptr<const HttpClientOptions> options_;
  tcp::socket socket_;
  tcp::resolver resolver_;
  asio::steady_timer timer_;
  http_parser parser_{};
  http_parser_settings settings_{};
  std::array<char, 16 * 1024> buffer_{};
  HttpClientResponse response_;
  bool complete_ = false;
  bool keep_alive_ = false;
  bool last_was_value_ = false;
  Exchange done_;
  std::uint64_t idle_watch_ = 0;  // which watch_idle is current; stop_watching moves it on
  std::array<char, 1> idle_byte_{};
};

HttpClient::HttpClient(asio::io_context& io, HttpClientOptions options)
    : io_(io),
      shared_options_(std::make_shared<const HttpClientOptions>(std::move(options))),
      options_(*shared_options_) {}

HttpClient::~HttpClient() {
  *alive_ = false;
  for (auto& connection : idle_) connection->close();
  for (const auto& connection : busy_) connection->close();
}

void HttpClient::request(HttpRequest request, Callback done, std::string route) {
  Pending pending{serialize_request(request, options_), request.method, route.empty() ? request.path : std::move(route),
                  std::move(done), std::chrono::steady_clock::now()};
  // Queued requests that free or new connections will take at once do not wait; the
  // others count against max_pending_requests.
  const std::size_t can_serve =
      idle_.size() + (open_ < options_.max_connections ? options_.max_connections - open_ : 0);
  if (pending_.size() >= can_serve + options_.max_pending_requests) {
    auto alive = alive_;
    auto refused = std::make_shared<Pending>(std::move(pending));
    asio::post(io_, [this, alive, refused] {
      if (!*alive) return;
      complete(*refused, Status(StatusCode::kResourceExhausted,
                                options_.target_service + ": " + std::to_string(options_.max_pending_requests) +
                                    " requests already wait for a connection",
                                client_error::kPoolOverflow));
    });
    return;
  }
  pending_.push_back(std::move(pending));
  auto alive = alive_;
  asio::post(io_, [this, alive] {
    if (*alive) dispatch();
  });
}

void HttpClient::dispatch() {
  while (!pending_.empty()) {
    if (!idle_.empty()) {
      std::shared_ptr<ClientConnection> connection = idle_.front();
      idle_.pop_front();
      connection->stop_watching();
      busy_.insert(connection);
      auto pending = std::make_shared<Pending>(std::move(pending_.front()));
      pending_.pop_front();
      auto alive = alive_;
      std::weak_ptr<ClientConnection> weak = connection;
      connection->exchange(pending->bytes,
                           [this, alive, weak, pending](Result<HttpClientResponse> result, bool reusable) {
                             if (!*alive) return;
                             complete(*pending, std::move(result));
                             if (auto connection = weak.lock()) finished(connection, reusable);
                           });
      continue;
    }
    if (open_ >= options_.max_connections) return;  // the rest wait for a connection
    ++open_;
    auto connection = std::make_shared<ClientConnection>(io_, shared_options_);
    busy_.insert(connection);
    auto alive = alive_;
    connection->connect([this, alive, connection](const asio::error_code& error) {
      if (!*alive) return;
      busy_.erase(connection);
      if (error) {
        --open_;
        if (!pending_.empty()) {
          Pending failed = std::move(pending_.front());
          pending_.pop_front();
          complete(failed, Status(StatusCode::kUnavailable,
                                  "cannot connect to " + options_.target_service + " at " + options_.host + ":" +
                                      std::to_string(options_.port) + ": " + error.message(),
                                  client_error::kConnectFailed));
        }
      } else {
        make_idle(connection);
      }
      dispatch();
    });
    return;  // continue once connected
  }
}

void HttpClient::finished(const std::shared_ptr<ClientConnection>& connection, bool reusable) {
  busy_.erase(connection);
  if (reusable) {
    make_idle(connection);
  } else {
    connection->close();
    --open_;
  }
  dispatch();
}

void HttpClient::make_idle(const std::shared_ptr<ClientConnection>& connection) {
  idle_.push_back(connection);
  auto alive = alive_;
  std::weak_ptr<ClientConnection> weak = connection;
  connection->watch_idle([this, alive, weak] {
    if (!*alive) return;
    auto closed = weak.lock();
    const auto at = std::find(idle_.begin(), idle_.end(), closed);
    if (closed == nullptr || at == idle_.end()) return;
    idle_.erase(at);
    closed->close();
    --open_;
  });
}

void HttpClient::complete(Pending& pending, Result<HttpClientResponse> result) {
  if (options_.metrics != nullptr) {
    options_.metrics->record_http(pending.method, pending.route, result.ok() ? result->status : 0,
                                  options_.target_service, std::chrono::steady_clock::now() - pending.started);
  }
  Callback done = std::move(pending.done);
  if (done) done(std::move(result));
}

void HttpClient::call(const resilience::Pipeline& pipeline, HttpRequest request, CallCallback done, std::string route) {
  // The last attempt's outcome, handed to `done` with the pipeline's verdict.
  auto last = std::make_shared<std::optional<Result<HttpClientResponse>>>();
  auto shared_request = std::make_shared<const HttpRequest>(std::move(request));
  auto alive = alive_;
  pipeline.execute(
      [this, alive, last, shared_request, route](resilience::Pipeline::Done attempt_done) {
        if (!*alive) return attempt_done(resilience::CallResult::failure(false, "client_closed"));
        this->request(
            *shared_request,
            [last, attempt_done](Result<HttpClientResponse> result) {
              resilience::CallResult verdict = resilience::CallResult::success();
              if (!result.ok()) {
                verdict = resilience::CallResult::failure(result.status().reason() != client_error::kPoolOverflow,
                                                          std::string(result.status().reason()));
                // Nothing was written: the far side cannot have acted on it.
                verdict.not_sent = result.status().reason() == client_error::kConnectFailed ||
                                   result.status().reason() == client_error::kPoolOverflow;
              } else if (result->status >= 500) {
                verdict = resilience::CallResult::failure(true, "http_" + std::to_string(result->status));
              }
              *last = std::move(result);
              attempt_done(std::move(verdict));
            },
            route);
      },
      [last, done](const resilience::CallResult& verdict) {
        if (last->has_value()) return done(std::move(**last), verdict);
        done(Status(StatusCode::kUnavailable, "no response: " + verdict.reason, verdict.reason), verdict);
      });
}

}  // namespace sluice::native
