#include "native/cli/cli.h"

#include <absl/flags/internal/program_name.h>
#include <absl/flags/internal/usage.h>
#include <absl/flags/parse.h>
#include <absl/flags/usage.h>
#include <absl/flags/usage_config.h>

#include <cstdlib>
#include <iostream>
#include <string_view>

namespace sluice::native {

std::vector<std::string> parse_command_line(int argc, char** argv, const std::string& usage) {
  absl::flags_internal::SetProgramInvocationName(argv[0]);
  absl::SetProgramUsageMessage(usage);
  absl::FlagsUsageConfig config;
  config.contains_help_flags = [](absl::string_view file) { return file.find("native/") != absl::string_view::npos; };
  absl::SetFlagsUsageConfig(config);

  // abseil exits 1 after --help; a person asking for help has made no mistake.
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--") break;
    if (arg == "--help" || arg == "-help" || arg == "-h") {
      absl::flags_internal::FlagsHelp(std::cout, "native/", absl::flags_internal::HelpFormat::kHumanReadable, usage);
      std::exit(0);
    }
  }
  std::vector<std::string> positional;
  for (char* arg : absl::ParseCommandLine(argc, argv)) positional.emplace_back(arg);
  return positional;
}

}  // namespace sluice::native

namespace sluice::native {

std::optional<HostPort> parse_host_port(const std::string& text) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size() || text.size() - colon > 6) {
    return std::nullopt;
  }
  int port = 0;
  for (std::size_t i = colon + 1; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    port = port * 10 + (text[i] - '0');
  }
  if (port < 1 || port > 65535) return std::nullopt;
  return HostPort{text.substr(0, colon), static_cast<std::uint16_t>(port)};
}

}  // namespace sluice::native
