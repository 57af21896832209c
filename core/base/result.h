// result.h: Result<T>, a value or the Status saying why there is none.
//
//   SLUICE_ASSIGN_OR_RETURN(Duration timeout, parse_duration("250ms"));
//   use(timeout);
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

#define SLUICE_RESULT_CONCAT_INNER_(a, b) a##b
#define SLUICE_RESULT_CONCAT_(a, b) SLUICE_RESULT_CONCAT_INNER_(a, b)

// SLUICE_ASSIGN_OR_RETURN: evaluates `expr` (a Result<T>); if it holds an error, returns
// that Status from the enclosing function, otherwise declares or assigns `lhs` from the
// value (moved out): SLUICE_ASSIGN_OR_RETURN(const Order order, store.get(id));
#define SLUICE_ASSIGN_OR_RETURN(lhs, expr) \
  SLUICE_ASSIGN_OR_RETURN_IMPL_(SLUICE_RESULT_CONCAT_(sluice_result_, __LINE__), lhs, expr)
#define SLUICE_ASSIGN_OR_RETURN_IMPL_(result, lhs, expr) \
  auto result = (expr);                                  \
  if (!result.ok()) return result.status();              \
  lhs = std::move(result).value()

#endif  // SLUICE_CORE_BASE_RESULT_H_
