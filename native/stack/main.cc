// stack: starts the sluice example system on loopback.
//
// Until the services land, the stack is its health endpoint: GET /healthz on
// --bind:--port answers with JSON. Stops cleanly on SIGINT or SIGTERM (exit 0).
#include <absl/flags/flag.h>

#include <asio.hpp>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "native/cli/cli.h"
#include "native/stack/health_server.h"

ABSL_FLAG(std::string, bind, "127.0.0.1",
          "Address to listen on. Loopback by default; name another address to expose the stack.");
ABSL_FLAG(int, port, 3000, "Port of the health endpoint (0 picks a free one; the log line says which).");

namespace {

void log_line(const std::string& level, const std::string& message, nlohmann::json fields = nlohmann::json::object()) {
  fields["level"] = level;
  fields["msg"] = message;
  std::cout << fields.dump() << std::endl;
}

}  // namespace

int main(int argc, char** argv) {
  sluice::native::parse_command_line(argc, argv,
                                     "Starts the sluice example system on loopback.\n"
                                     "  tools/bazel run //native:stack [-- --port=3000 --bind=127.0.0.1]\n"
                                     "Serves GET /healthz (JSON) until SIGINT or SIGTERM.");

  const int port = absl::GetFlag(FLAGS_port);
  if (port < 0 || port > 65535) {
    std::cerr << "--port must be from 0 to 65535, got " << port << "\n";
    return 2;
  }
  asio::error_code ec;
  const asio::ip::address address = asio::ip::make_address(absl::GetFlag(FLAGS_bind), ec);
  if (ec) {
    std::cerr << "--bind must be an IP address, got '" << absl::GetFlag(FLAGS_bind) << "'\n";
    return 2;
  }

  asio::io_context io;
  try {
    sluice::native::HealthServer server(io, address, static_cast<std::uint16_t>(port), "stack");
    server.start();
    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const asio::error_code&, int signal) {
      log_line("info", "stopping", {{"signal", signal}});
      server.stop();
    });
    log_line("info", "listening",
             {{"address", address.to_string()}, {"port", server.port()}, {"routes", {"GET /healthz"}}});
    io.run();
  } catch (const std::system_error& error) {
    std::cerr << "cannot listen on " << address.to_string() << ":" << port << ": " << error.what() << "\n";
    return 1;
  }
  log_line("info", "stopped");
  return 0;
}
