#include "core/base/duration_text.h"

#include <array>
#include <cstdint>
#include <limits>

namespace sluice {
namespace {

struct Unit {
  std::string_view name;
  std::int64_t nanos;
};

// Longer names first, so "ms" is not read as "m" followed by "s".
constexpr std::array<Unit, 7> kUnits = {{
    {"ns", 1},
    {"us", 1'000},
    {"\xC2\xB5s", 1'000},  // µs
    {"ms", 1'000'000},
    {"s", 1'000'000'000},
    {"m", 60'000'000'000},
    {"h", 3'600'000'000'000},
}};

Status bad(std::string_view text, const std::string& why) {
  return Status::invalid_argument("invalid duration \"" + std::string(text) + "\": " + why);
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

Result<time::Duration> parse_duration(std::string_view text) {
  if (text.empty()) return bad(text, "it is empty");
  std::string_view rest = text;
  bool negative = false;
  if (rest.front() == '-' || rest.front() == '+') {
    negative = rest.front() == '-';
    rest.remove_prefix(1);
  }
  if (rest == "0") return time::Duration::zero();
  if (rest.empty()) return bad(text, "no number");
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  std::int64_t total = 0;
  while (!rest.empty()) {
    // A number: digits, optionally a fraction.
    std::int64_t whole = 0;
    std::size_t digits = 0;
    while (digits < rest.size() && is_digit(rest[digits])) {
      if (whole > (kMax - 9) / 10) return bad(text, "too large");
      whole = whole * 10 + (rest[digits] - '0');
      ++digits;
    }
    std::string_view fraction;
    if (digits < rest.size() && rest[digits] == '.') {
      std::size_t end = digits + 1;
      while (end < rest.size() && is_digit(rest[end])) ++end;
      fraction = rest.substr(digits + 1, end - digits - 1);
      if (digits == 0 && fraction.empty()) return bad(text, "no digits around '.'");
      digits = end;
    } else if (digits == 0) {
      return bad(text, "expected a number at \"" + std::string(rest) + "\"");
    }
    rest.remove_prefix(digits);
    // Its unit.
    const Unit* unit = nullptr;
    for (const Unit& candidate : kUnits) {
      if (rest.starts_with(candidate.name) && (unit == nullptr || candidate.name.size() > unit->name.size())) {
        unit = &candidate;
      }
    }
    if (unit == nullptr) {
      return bad(text, rest.empty() ? "a unit is required (ns, us, ms, s, m, h)"
                                    : "unknown unit at \"" + std::string(rest) + "\" (ns, us, ms, s, m, h)");
    }
    rest.remove_prefix(unit->name.size());
    if (whole > kMax / unit->nanos) return bad(text, "too large");
    std::int64_t nanos = whole * unit->nanos;
    // The fraction, digit by digit, exactly.
    std::int64_t scale = unit->nanos;
    for (char digit : fraction) {
      if (scale % 10 != 0) {
        if (digit != '0') return bad(text, "more precise than a nanosecond");
        continue;
      }
      scale /= 10;
      nanos += (digit - '0') * scale;
    }
    if (nanos > kMax - total) return bad(text, "too large");
    total += nanos;
  }
  return time::Duration(negative ? -total : total);
}

std::string format_duration(time::Duration duration) {
  std::int64_t nanos = duration.count();
  if (nanos == 0) return "0s";
  std::string text;
  if (nanos < 0) {
    text = "-";
    nanos = -nanos;  // durations of -2^63 ns are not written
  }
  // Whole hours, minutes and seconds, then what is left in the coarsest exact unit.
  for (const Unit& unit : {kUnits[6], kUnits[5], kUnits[4]}) {
    if (nanos >= unit.nanos) {
      text += std::to_string(nanos / unit.nanos) + std::string(unit.name);
      nanos %= unit.nanos;
    }
  }
  if (nanos > 0) {
    if (nanos % 1'000'000 == 0) {
      text += std::to_string(nanos / 1'000'000) + "ms";
    } else if (nanos % 1'000 == 0) {
      text += std::to_string(nanos / 1'000) + "us";
    } else {
      text += std::to_string(nanos) + "ns";
    }
  }
  return text;
}

}  // namespace sluice
