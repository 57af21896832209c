#include "native/runtime/playground_origin_flag.h"

#include <absl/flags/flag.h>

#include "native/runtime/event_stream.h"

ABSL_FLAG(std::string, playground_origin, std::string(sluice::native::kPlaygroundOrigin),
          "The only origin whose pages may read GET /events (CORS), e.g. http://127.0.0.1:8080 where "
          "//web:serve serves the playground; empty allows none.");

namespace sluice::native {

Result<std::string> playground_origin_from_flag() {
  std::string origin = absl::GetFlag(FLAGS_playground_origin);
  if (Status s = check_origin(origin); !s.ok()) return Status::invalid_argument("--playground_origin: " + s.message());
  return origin;
}

}  // namespace sluice::native
