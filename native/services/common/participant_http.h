// participant_http.h: what saga participants' REST endpoints share: the barrier key from
// the Idempotency-Key header ("<saga id>:<step>:action|compensation", as the saga
// runner makes it), and errors as JSON responses.
#ifndef SLUICE_NATIVE_SERVICES_COMMON_PARTICIPANT_HTTP_H_
#define SLUICE_NATIVE_SERVICES_COMMON_PARTICIPANT_HTTP_H_

#include "core/base/result.h"
#include "core/saga/barrier.h"
#include "native/runtime/http_message.h"

namespace sluice::native {

// saga_key: the request's Idempotency-Key, which must name `operation`
// (MissingIdempotencyKey or InvalidIdempotencyKey otherwise, as 400s).
Result<saga::ParsedIdempotencyKey> saga_key(const HttpRequest& request, saga::Operation operation);

// response_for: an error as {"error": {"code", "message"}}: InvalidArgument is 400,
// FailedPrecondition 409, anything else 503; the code is the status's reason if any.
HttpResponse response_for(const Status& status);

}  // namespace sluice::native

#endif  // SLUICE_NATIVE_SERVICES_COMMON_PARTICIPANT_HTTP_H_
