// cli.h: parse_command_line, how every native binary reads its flags.
//
//   ABSL_FLAG(int, port, 3000, "Port to listen on.");
//   int main(int argc, char** argv) {
//     sluice::native::parse_command_line(argc, argv, "Serves the inventory API.\n  inventory --port=3000");
//     ...
//   }
//
// Flags are abseil flags. `--help` (or `-h`) prints the usage message and the flags
// defined under native/, then exits 0; an unknown flag or a bad value exits 1 with
// abseil's message.
#ifndef SLUICE_NATIVE_CLI_CLI_H_
#define SLUICE_NATIVE_CLI_CLI_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sluice::native {

// parse_command_line: parses argv into the abseil flags; returns the positional
// arguments (argv[0] first). Exits the process for --help or a bad flag.
std::vector<std::string> parse_command_line(int argc, char** argv, const std::string& usage);

// HostPort: where another service listens, from a flag like --payment=127.0.0.1:3002.
struct HostPort {
  std::string host;
  std::uint16_t port = 0;
};

// parse_host_port: "host:port" with a port from 1 to 65535, or nullopt.
std::optional<HostPort> parse_host_port(const std::string& text);

}  // namespace sluice::native

#endif  // SLUICE_NATIVE_CLI_CLI_H_
