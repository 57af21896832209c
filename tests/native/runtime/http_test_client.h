// http_test_client.h: a blocking loopback client for HTTP server tests, and a server
// running on its own thread.
#ifndef SLUICE_TESTS_NATIVE_RUNTIME_HTTP_TEST_CLIENT_H_
#define SLUICE_TESTS_NATIVE_RUNTIME_HTTP_TEST_CLIENT_H_

#include <asio.hpp>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "native/runtime/http_server.h"

namespace sluice::native::testing {

// RawClient: sends bytes, reads what comes back until the server closes or a number of
// responses have arrived.
class RawClient {
 public:
  explicit RawClient(std::uint16_t port) : socket_(io_) {
    socket_.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  }

  void send(const std::string& bytes) { asio::write(socket_, asio::buffer(bytes)); }

  // read_responses: reads until `count` complete responses (by Content-Length) or EOF.
  std::string read_responses(int count) {
    for (;;) {
      if (complete_responses() >= count) break;
      std::array<char, 4096> chunk;
      asio::error_code error;
      const std::size_t n = socket_.read_some(asio::buffer(chunk), error);
      if (error) break;
      received_.append(chunk.data(), n);
    }
    return received_;
  }

  // read_until_closed: everything until the server closes the connection.
  std::string read_until_closed() {
    for (;;) {
      std::array<char, 4096> chunk;
      asio::error_code error;
      const std::size_t n = socket_.read_some(asio::buffer(chunk), error);
      if (error) return received_;
      received_.append(chunk.data(), n);
    }
  }

  void shutdown_send() { socket_.shutdown(asio::ip::tcp::socket::shutdown_send); }

 private:
  int complete_responses() const {
    int count = 0;
    std::size_t at = 0;
    for (;;) {
      const std::size_t head_end = received_.find("\r\n\r\n", at);
      if (head_end == std::string::npos) return count;
      const std::size_t length_at = received_.find("Content-Length: ", at);
      if (length_at == std::string::npos || length_at > head_end) return count;
      const std::size_t length = std::stoul(received_.substr(length_at + 16));
      if (received_.size() < head_end + 4 + length) return count;
      ++count;
      at = head_end + 4 + length;
    }
  }

  asio::io_context io_;
  asio::ip::tcp::socket socket_;
  std::string received_;
};

// ServerThread: an HttpServer on its own io_context thread; stops in the destructor.
class ServerThread {
 public:
  ServerThread(const Router& router, HttpServerOptions options) : work_(asio::make_work_guard(io_)) {
    std::promise<void> ready;
    thread_ = std::thread([&] {
      Result<std::unique_ptr<HttpServer>> started = HttpServer::start(io_, router, options);
      if (started.ok()) server_ = *std::move(started);
      ready.set_value();
      io_.run();
    });
    ready.get_future().wait();
  }
  ~ServerThread() {
    asio::post(io_, [this] {
      server_.reset();
      work_.reset();
    });
    thread_.join();
  }

  std::uint16_t port() const { return server_->port(); }
  asio::io_context& io() { return io_; }
  HttpServer& server() { return *server_; }

 private:
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
};

}  // namespace sluice::native::testing

#endif  // SLUICE_TESTS_NATIVE_RUNTIME_HTTP_TEST_CLIENT_H_
