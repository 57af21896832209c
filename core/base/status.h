// status.h: Status, how core reports an error as a value.
//
// Core does not throw (it builds for WebAssembly without exceptions). A function that
// can fail on bad input returns a Status; the message says what was wrong and with
// which value, so that it can be shown to a user as it is:
//
//   SLUICE_RETURN_IF_ERROR(config.validate());  // "failure_rate_threshold_percent must be in (0, 100], got 150"
//
// Status is [[nodiscard]] and the build has -Werror: an error can be propagated or
// handled, never dropped by accident.
#ifndef SLUICE_CORE_BASE_STATUS_H_
#define SLUICE_CORE_BASE_STATUS_H_

#include <string>
#include <string_view>
#include <utility>

namespace sluice {

// StatusCode: what kind of error, for callers that branch on it.
enum class StatusCode {
  kOk,
  kInvalidArgument,     // bad input or configuration; retrying the same input fails again
  kFailedPrecondition,  // the operation does not apply in the current state
  kNotFound,
  kResourceExhausted,  // a limit was reached; it may succeed later
  kUnavailable,
};

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  // Status: `reason`, if given, is a stable machine-readable name from the protocol
  // the component speaks, e.g. SQS's "ReceiptHandleIsInvalid"; a static string.
  Status(StatusCode code, std::string message, std::string_view reason = {})
      : code_(code), message_(std::move(message)), reason_(reason) {}

  static Status invalid_argument(std::string message, std::string_view reason = {}) {
    return Status(StatusCode::kInvalidArgument, std::move(message), reason);
  }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  std::string_view reason() const { return reason_; }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  std::string_view reason_;
};

}  // namespace sluice

// SLUICE_RETURN_IF_ERROR: evaluates `expr` (a Status) once and returns it from the
// enclosing function if it is not OK. The function may return Status or any Result<T>.
#define SLUICE_RETURN_IF_ERROR(expr)                                      \
  do {                                                                    \
    if (::sluice::Status sluice_status_ = (expr); !sluice_status_.ok()) { \
      return sluice_status_;                                              \
    }                                                                     \
  } while (false)

#endif  // SLUICE_CORE_BASE_STATUS_H_
