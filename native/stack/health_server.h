// health_server.h: HealthServer, a small HTTP/1.1 endpoint that answers GET /healthz.
//
//   asio::io_context io;
//   HealthServer server(io, asio::ip::make_address("127.0.0.1"), 3000, "stack");
//   server.start();
//   io.run();                     // until server.stop() and in-flight replies finish
//
// Every reply is JSON and closes the connection:
//   GET /healthz         200 {"status":"ok","service":...,"uptime_seconds":...}
//   other method there   405 with Allow: GET
//   other path           404
//   malformed request    400;  headers over 8 KiB  431;  too slow a request  408
// Errors are {"error":{"code":...,"message":...}}. Single-threaded: all work runs on
// the io_context's thread.
#ifndef SLUICE_NATIVE_STACK_HEALTH_SERVER_H_
#define SLUICE_NATIVE_STACK_HEALTH_SERVER_H_

#include <asio.hpp>
#include <chrono>
#include <cstdint>
#include <string>

namespace sluice::native {

// HealthReply: what a request gets; a pure function of the request so tests need no
// socket to check it.
struct HealthReply {
  int status = 200;
  std::string reason;
  std::string body;   // JSON
  std::string allow;  // the Allow header, for 405
};

// health_reply: the reply to one request head (request line and headers, without the
// blank line), for a server up since `uptime`.
HealthReply health_reply(const std::string& request_head, const std::string& service,
                         std::chrono::steady_clock::duration uptime);

// serialize: the reply as bytes on the wire.
std::string serialize(const HealthReply& reply);

class HealthServer {
 public:
  static constexpr std::size_t kMaxHeaderBytes = 8 * 1024;

  // HealthServer: binds `address`:`port` (0 picks a free port). A connection that has
  // not sent a whole request head within `request_timeout` gets a 408. Throws
  // std::system_error if the address cannot be bound.
  HealthServer(asio::io_context& io, const asio::ip::address& address, std::uint16_t port, std::string service,
               std::chrono::steady_clock::duration request_timeout = std::chrono::seconds(10));

  // start: begins accepting connections.
  void start();

  // stop: stops accepting; replies already being written still finish.
  void stop();

  // port: the bound port, useful after binding port 0.
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

 private:
  void accept_next();

  asio::ip::tcp::acceptor acceptor_;
  std::string service_;
  std::chrono::steady_clock::duration request_timeout_;
  std::chrono::steady_clock::time_point started_;
};

}  // namespace sluice::native

#endif  // SLUICE_NATIVE_STACK_HEALTH_SERVER_H_
