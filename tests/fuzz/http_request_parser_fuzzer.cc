// The HTTP/1.1 request parser never crashes on a byte stream, whatever its split:
// every input is fed whole and then in two parts, and both give the same requests.
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "native/runtime/http_request_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  sluice::native::HttpLimits limits{.max_header_bytes = 1024, .max_body_bytes = 4096};
  sluice::native::RequestParser whole(limits);
  std::vector<sluice::native::HttpRequest> at_once;
  const bool whole_failed = whole.feed(bytes, at_once).has_value();

  sluice::native::RequestParser split(limits);
  std::vector<sluice::native::HttpRequest> in_parts;
  const std::size_t cut = size / 2;
  bool split_failed = split.feed(bytes.substr(0, cut), in_parts).has_value();
  if (!split_failed) split_failed = split.feed(bytes.substr(cut), in_parts).has_value();

  if (whole_failed != split_failed || at_once.size() != in_parts.size()) std::abort();
  for (std::size_t i = 0; i < at_once.size(); ++i) {
    if (at_once[i].method != in_parts[i].method || at_once[i].target != in_parts[i].target ||
        at_once[i].body != in_parts[i].body) {
      std::abort();
    }
  }
  return 0;
}
