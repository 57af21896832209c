// ports_file.h: the ports file, how a binary tells whoever started it where it listens
// without being read from its logs (which --log_level may silence). Once it listens,
// the binary writes its pid and each port it bound as one JSON object:
//
//   {"pid": 4242, "port": 3000, "grpc_port": 50051}
//
// atomically (a temporary file beside it, renamed over the path), so a reader sees
// the whole file or none; a port flag of 0 becomes the real port here. The pid lets a
// reader tell this run's file from one an earlier run left behind.
//
//   if (Status s = write_ports_file(path, {{"port", http.port()}}); !s.ok()) ...
//   Result<PortsFile> ports = read_ports_file(path);   // kNotFound until written
#ifndef SLUICE_NATIVE_RUNTIME_PORTS_FILE_H_
#define SLUICE_NATIVE_RUNTIME_PORTS_FILE_H_

#include <cstdint>
#include <map>
#include <string>

#include "core/base/result.h"

namespace sluice::native {

// PortsFile: what a ports file says.
struct PortsFile {
  std::int64_t pid = 0;
  std::map<std::string, std::uint16_t> ports;  // "port", "grpc_port", ...
};

// write_ports_file: writes this process's pid and `ports` to `path` atomically. The
// directory must exist.
Status write_ports_file(const std::string& path, const std::map<std::string, std::uint16_t>& ports);

// read_ports_file: the file at `path`; kNotFound if there is none, kInvalidArgument if
// it is not a ports file.
Result<PortsFile> read_ports_file(const std::string& path);

}  // namespace sluice::native

#endif  // SLUICE_NATIVE_RUNTIME_PORTS_FILE_H_
