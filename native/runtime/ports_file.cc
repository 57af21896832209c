#include "native/runtime/ports_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace sluice::native {

Status write_ports_file(const std::string& path, const std::map<std::string, std::uint16_t>& ports) {
  nlohmann::json content = {{"pid", ::getpid()}};
  for (const auto& [name, port] : ports) content[name] = port;
  const std::string temporary = path + ".tmp-" + std::to_string(::getpid());
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << content.dump() << '\n';
    out.close();
    if (!out) {
      std::remove(temporary.c_str());
      return Status(StatusCode::kUnavailable, "cannot write " + temporary);
    }
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    const std::string error = std::strerror(errno);
    std::remove(temporary.c_str());
    return Status(StatusCode::kUnavailable, "cannot rename " + temporary + " to " + path + ": " + error);
  }
  return Status();
}

Result<PortsFile> read_ports_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status(StatusCode::kNotFound, "no ports file at " + path);
  std::ostringstream text;
  text << in.rdbuf();
  const nlohmann::json content = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  const auto bad = [&path](const std::string& why) {
    return Status::invalid_argument(path + " is not a ports file: " + why);
  };
  if (!content.is_object()) return bad("not a JSON object");
  PortsFile file;
  for (const auto& [name, value] : content.items()) {
    if (!value.is_number_integer()) return bad("\"" + name + "\" is not an integer");
    const std::int64_t number = value.get<std::int64_t>();
    if (name == "pid") {
      file.pid = number;
    } else if (number >= 0 && number <= 65535) {
      file.ports[name] = static_cast<std::uint16_t>(number);
    } else {
      return bad("\"" + name + "\" is not a port: " + std::to_string(number));
    }
  }
  if (file.pid <= 0) return bad("no pid");
  return file;
}

}  // namespace sluice::native
