#include "native/runtime/ports_file_flag.h"

#include <absl/flags/flag.h>

#include "native/runtime/ports_file.h"

ABSL_FLAG(std::string, ports_file, "",
          "Once listening, write this process's pid and bound ports as JSON to this file (atomically), for "
          "whoever started it, such as //native:stack. Empty: none.");

namespace sluice::native {

Status write_ports_file_from_flag(const std::map<std::string, std::uint16_t>& ports) {
  const std::string path = absl::GetFlag(FLAGS_ports_file);
  if (path.empty()) return Status();
  if (Status s = write_ports_file(path, ports); !s.ok()) return Status(s.code(), "--ports_file: " + s.message());
  return Status();
}

}  // namespace sluice::native
