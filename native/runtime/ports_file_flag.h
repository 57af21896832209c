// ports_file_flag.h: --ports_file, where a binary writes its pid and bound ports once it
// listens (see ports_file.h). Every service and the broker link it; //native:stack
// gives each child one and learns their ports from it, whatever their --log_level.
#ifndef SLUICE_NATIVE_RUNTIME_PORTS_FILE_FLAG_H_
#define SLUICE_NATIVE_RUNTIME_PORTS_FILE_FLAG_H_

#include <cstdint>
#include <map>
#include <string>

#include "core/base/status.h"

namespace sluice::native {

// write_ports_file_from_flag: writes `ports` to the --ports_file path; nothing when
// the flag is empty. The error names the flag.
Status write_ports_file_from_flag(const std::map<std::string, std::uint16_t>& ports);

}  // namespace sluice::native

#endif  // SLUICE_NATIVE_RUNTIME_PORTS_FILE_FLAG_H_
