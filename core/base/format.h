// format.h: numbers and durations as people read them in error messages.
//
//   format_number(150.0)                    -> "150"
//   format_number(0.5)                      -> "0.5"
//   format_millis(std::chrono::seconds(-1)) -> "-1000 ms"
#ifndef SLUICE_CORE_BASE_FORMAT_H_
#define SLUICE_CORE_BASE_FORMAT_H_

#include <chrono>
#include <string>

namespace sluice {

// format_number: the shortest of up to six decimals that shows `value`.
inline std::string format_number(double value) {
  std::string text = std::to_string(value);
  if (text.find('.') != std::string::npos) {
    text.erase(text.find_last_not_of('0') + 1);
    if (text.back() == '.') text.pop_back();
  }
  return text;
}

// format_millis: a duration in milliseconds, with its unit.
template <typename Rep, typename Period>
std::string format_millis(std::chrono::duration<Rep, Period> duration) {
  return format_number(std::chrono::duration<double, std::milli>(duration).count()) + " ms";
}

}  // namespace sluice

#endif  // SLUICE_CORE_BASE_FORMAT_H_
