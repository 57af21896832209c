#include "native/services/common/participant_http.h"

namespace sluice::native {

Result<saga::ParsedIdempotencyKey> saga_key(const HttpRequest& request, saga::Operation operation) {
  const std::optional<std::string_view> header = request.header("idempotency-key");
  if (!header) return Status::invalid_argument("an Idempotency-Key header is required", "MissingIdempotencyKey");
  Result<saga::ParsedIdempotencyKey> key = saga::parse_idempotency_key(*header);
  if (!key.ok()) return Status::invalid_argument(key.status().message(), "InvalidIdempotencyKey");
  if (key->operation != operation) {
    return Status::invalid_argument("the Idempotency-Key names the wrong operation for this endpoint",
                                    "InvalidIdempotencyKey");
  }
  return key;
}

HttpResponse response_for(const Status& status) {
  switch (status.code()) {
    case StatusCode::kInvalidArgument:
      return HttpResponse::error(400, status.reason().empty() ? "InvalidRequest" : status.reason(), status.message());
    case StatusCode::kFailedPrecondition:
      return HttpResponse::error(409, status.reason().empty() ? "Conflict" : status.reason(), status.message());
    default:
      return HttpResponse::error(503, "Unavailable", status.message());
  }
}

}  // namespace sluice::native
