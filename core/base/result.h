// result.h: Result<T>, a value or the Status saying why there is none.
//
//   Result<Duration> timeout = parse_duration("250ms");
//   if (!timeout.ok()) return timeout.status();
//   use(*timeout);
#ifndef SLUICE_CORE_BASE_RESULT_H_
#define SLUICE_CORE_BASE_RESULT_H_

#include <utility>
#include <variant>

#include "core/base/check.h"
#include "core/base/status.h"

namespace sluice {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}  // NOLINT: implicit, like absl::StatusOr
  // Result: REQUIRES !status.ok().
  Result(Status status) : state_(std::move(status)) { SLUICE_CHECK(!std::get<Status>(state_).ok()); }  // NOLINT

  bool ok() const { return std::holds_alternative<T>(state_); }
  // status: OK when there is a value.
  Status status() const { return ok() ? Status() : std::get<Status>(state_); }

  // value, *, ->: REQUIRES ok().
  const T& value() const& {
    SLUICE_CHECK(ok());
    return std::get<T>(state_);
  }
  // On a temporary Result, the value itself (moved out), not a reference into the
  // temporary: `for (const auto& r : *fetch(...))` then iterates a live object.
  T value() && {
    SLUICE_CHECK(ok());
    return std::get<T>(std::move(state_));
  }
  const T& operator*() const& { return value(); }
  T operator*() && { return std::move(*this).value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> state_;
};

}  // namespace sluice

#endif  // SLUICE_CORE_BASE_RESULT_H_
