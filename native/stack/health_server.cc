#include "native/stack/health_server.h"

#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <utility>

namespace sluice::native {
namespace {

using nlohmann::json;
using tcp = asio::ip::tcp;

HealthReply error_reply(int status, std::string reason, const std::string& code, const std::string& message) {
  HealthReply reply{status, std::move(reason), json{{"error", {{"code", code}, {"message", message}}}}.dump(), ""};
  return reply;
}

// One connection: read a request head, write the reply, close.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, std::string service, std::chrono::steady_clock::duration request_timeout,
             std::chrono::steady_clock::time_point started)
      : socket_(std::move(socket)),
        timer_(socket_.get_executor()),
        buffer_(HealthServer::kMaxHeaderBytes),
        service_(std::move(service)),
        request_timeout_(request_timeout),
        started_(started) {}

  void start() {
    auto self = shared_from_this();
    timer_.expires_after(request_timeout_);
    timer_.async_wait([self](const asio::error_code& ec) {
      if (!ec)
        self->reply(error_reply(408, "Request Timeout", "RequestTimeout", "the request head did not arrive in time"));
    });
    asio::async_read_until(socket_, buffer_, "\r\n\r\n",
                           [self](const asio::error_code& ec, std::size_t size) { self->on_head(ec, size); });
  }

 private:
  void on_head(const asio::error_code& ec, std::size_t size) {
    if (ec == asio::error::not_found) {
      reply(error_reply(431, "Request Header Fields Too Large", "HeaderTooLarge", "request headers exceed 8 KiB"));
      return;
    }
    if (ec) return;  // the peer went away or the timeout closed the socket
    std::string head(asio::buffers_begin(buffer_.data()), asio::buffers_begin(buffer_.data()) + size - 4);
    reply(health_reply(head, service_, std::chrono::steady_clock::now() - started_));
  }

  void reply(const HealthReply& reply) {
    if (replied_) return;
    replied_ = true;
    timer_.cancel();
    auto self = shared_from_this();
    auto bytes = std::make_shared<std::string>(serialize(reply));
    asio::async_write(socket_, asio::buffer(*bytes), [self, bytes](const asio::error_code&, std::size_t) {
      asio::error_code ignored;
      self->socket_.shutdown(tcp::socket::shutdown_both, ignored);
      self->socket_.close(ignored);
    });
  }

  tcp::socket socket_;
  asio::steady_timer timer_;
  asio::streambuf buffer_;
  std::string service_;
  std::chrono::steady_clock::duration request_timeout_;
  std::chrono::steady_clock::time_point started_;
  bool replied_ = false;
};

}  // namespace

HealthReply health_reply(const std::string& request_head, const std::string& service,
                         std::chrono::steady_clock::duration uptime) {
  std::istringstream lines(request_head);
  std::string request_line;
  std::getline(lines, request_line);
  if (!request_line.empty() && request_line.back() == '\r') request_line.pop_back();

  std::istringstream words(request_line);
  std::string method, target, version, extra;
  words >> method >> target >> version;
  if (method.empty() || target.empty() || version.rfind("HTTP/1.", 0) != 0 || (words >> extra)) {
    return error_reply(400, "Bad Request", "BadRequest", "malformed request line: expected 'METHOD /path HTTP/1.x'");
  }
  const std::string path = target.substr(0, target.find('?'));
  if (path != "/healthz") {
    return error_reply(404, "Not Found", "NotFound", "no route for " + path + "; try GET /healthz");
  }
  if (method != "GET") {
    HealthReply reply =
        error_reply(405, "Method Not Allowed", "MethodNotAllowed", method + " is not allowed on /healthz");
    reply.allow = "GET";
    return reply;
  }
  const double uptime_seconds = std::chrono::duration<double>(uptime).count();
  return HealthReply{200, "OK", json{{"status", "ok"}, {"service", service}, {"uptime_seconds", uptime_seconds}}.dump(),
                     ""};
}

std::string serialize(const HealthReply& reply) {
  std::string out = "HTTP/1.1 " + std::to_string(reply.status) + " " + reply.reason + "\r\n";
  out += "Content-Type: application/json\r\n";
  out += "Content-Length: " + std::to_string(reply.body.size()) + "\r\n";
  if (!reply.allow.empty()) out += "Allow: " + reply.allow + "\r\n";
  out += "Connection: close\r\n\r\n";
  out += reply.body;
  return out;
}

HealthServer::HealthServer(asio::io_context& io, const asio::ip::address& address, std::uint16_t port,
                           std::string service, std::chrono::steady_clock::duration request_timeout)
    : acceptor_(io, tcp::endpoint(address, port)),
      service_(std::move(service)),
      request_timeout_(request_timeout),
      started_(std::chrono::steady_clock::now()) {}

void HealthServer::start() { accept_next(); }

void HealthServer::stop() {
  asio::error_code ignored;
  acceptor_.close(ignored);
}

void HealthServer::accept_next() {
  acceptor_.async_accept([this](const asio::error_code& ec, tcp::socket socket) {
    if (ec) return;  // closed by stop()
    std::make_shared<Connection>(std::move(socket), service_, request_timeout_, started_)->start();
    accept_next();
  });
}

}  // namespace sluice::native
