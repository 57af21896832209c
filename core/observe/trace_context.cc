#include "core/observe/trace_context.h"

#include <set>

namespace sluice::observe {
namespace {

constexpr std::size_t kVersion00Length = 55;  // 2 + 1 + 32 + 1 + 16 + 1 + 2
constexpr std::size_t kMaxTraceStateMembers = 32;
constexpr std::size_t kMaxKeyLength = 256;
constexpr std::size_t kMaxValueLength = 256;
constexpr std::uint8_t kKnownFlags = kFlagSampled | kFlagRandomTraceId;

int lower_hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Reads `out.size()` bytes of lowercase hex from `text`.
template <std::size_t N>
bool read_hex(std::string_view text, std::array<std::uint8_t, N>& out) {
  if (text.size() != 2 * N) return false;
  for (std::size_t i = 0; i < N; ++i) {
    const int high = lower_hex_value(text[2 * i]);
    const int low = lower_hex_value(text[2 * i + 1]);
    if (high < 0 || low < 0) return false;
    out[i] = static_cast<std::uint8_t>(high << 4 | low);
  }
  return true;
}

template <std::size_t N>
bool all_zero(const std::array<std::uint8_t, N>& bytes) {
  for (std::uint8_t b : bytes) {
    if (b != 0) return false;
  }
  return true;
}

template <std::size_t N>
std::string to_hex(const std::array<std::uint8_t, N>& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(2 * N, '0');
  for (std::size_t i = 0; i < N; ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 0xf];
  }
  return out;
}

template <std::size_t N>
void fill_random_non_zero(std::array<std::uint8_t, N>& bytes, time::Prng& prng) {
  do {
    for (std::size_t i = 0; i < N; i += 8) {
      std::uint64_t word = prng.next_u64();
      for (std::size_t j = i; j < i + 8 && j < N; ++j, word >>= 8) bytes[j] = static_cast<std::uint8_t>(word);
    }
  } while (all_zero(bytes));
}

Status invalid(const std::string& why) { return Status::invalid_argument("traceparent: " + why); }
Status invalid_state(const std::string& why) { return Status::invalid_argument("tracestate: " + why); }

bool is_lcalpha(char c) { return c >= 'a' && c <= 'z'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_key_char(char c) {
  return is_lcalpha(c) || is_digit(c) || c == '_' || c == '-' || c == '*' || c == '/' || c == '@';
}

// valid_key: key = ( lcalpha / DIGIT ) 0*255( keychar ), where keychar includes '@':
// the spec's grammar since 2020, which takes multi-tenant keys ("tenant@system") in.
bool valid_key(std::string_view key) {
  if (key.empty() || key.size() > kMaxKeyLength) return false;
  if (!is_lcalpha(key[0]) && !is_digit(key[0])) return false;
  for (char c : key) {
    if (!is_key_char(c)) return false;
  }
  return true;
}

// valid_value: value = 0*255( chr ) nblk-chr: printable ASCII except ',' and '=',
// not ending in a space.
bool valid_value(std::string_view value) {
  if (value.empty() || value.size() > kMaxValueLength || value.back() == ' ') return false;
  for (char c : value) {
    if (c < 0x20 || c > 0x7e || c == ',' || c == '=') return false;
  }
  return true;
}

bool is_ows(char c) { return c == ' ' || c == '\t'; }

std::string_view trim_ows(std::string_view text) {
  while (!text.empty() && is_ows(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_ows(text.back())) text.remove_suffix(1);
  return text;
}

}  // namespace

std::string TraceContext::trace_id_hex() const { return to_hex(trace_id); }
std::string TraceContext::span_id_hex() const { return to_hex(span_id); }

std::string TraceContext::traceparent() const {
  const std::array<std::uint8_t, 1> flag_byte = {flags};
  return "00-" + trace_id_hex() + "-" + span_id_hex() + "-" + to_hex(flag_byte);
}

TraceHeaders TraceHeaders::one(std::string_view traceparent, std::string_view tracestate) {
  TraceHeaders headers;
  if (!traceparent.empty()) headers.traceparent.push_back(traceparent);
  if (!tracestate.empty()) headers.tracestate.push_back(tracestate);
  return headers;
}

Result<TraceContext> parse_traceparent(std::string_view value) {
  if (value.size() < kVersion00Length) return invalid("shorter than 55 characters");
  std::array<std::uint8_t, 1> version{};
  if (!read_hex(value.substr(0, 2), version)) return invalid("the version is not two lowercase hex digits");
  if (version[0] == 0xff) return invalid("version ff is forbidden");
  if (version[0] == 0x00 && value.size() != kVersion00Length) return invalid("version 00 is exactly 55 characters");
  if (version[0] != 0x00 && value.size() > kVersion00Length && value[kVersion00Length] != '-') {
    return invalid("a later version must continue with '-' after 55 characters");
  }
  if (value[2] != '-' || value[35] != '-' || value[52] != '-') return invalid("fields must be separated by '-'");
  TraceContext context;
  if (!read_hex(value.substr(3, 32), context.trace_id)) return invalid("trace-id is not 32 lowercase hex digits");
  if (all_zero(context.trace_id)) return invalid("trace-id is all zeros");
  if (!read_hex(value.substr(36, 16), context.span_id)) return invalid("parent-id is not 16 lowercase hex digits");
  if (all_zero(context.span_id)) return invalid("parent-id is all zeros");
  std::array<std::uint8_t, 1> flags{};
  if (!read_hex(value.substr(53, 2), flags)) return invalid("trace-flags are not two lowercase hex digits");
  context.flags = static_cast<std::uint8_t>(flags[0] & kKnownFlags);  // the others must be zero
  return context;
}

Result<std::vector<TraceStateMember>> parse_tracestate(std::string_view combined) {
  std::vector<TraceStateMember> members;
  std::set<std::string, std::less<>> keys;
  std::size_t count = 0;
  std::size_t start = 0;
  while (start <= combined.size()) {
    std::size_t end = combined.find(',', start);
    if (end == std::string_view::npos) end = combined.size();
    const std::string_view member = trim_ows(combined.substr(start, end - start));
    start = end + 1;
    if (member.empty()) continue;
    if (++count > kMaxTraceStateMembers) return invalid_state("more than 32 members");
    const std::size_t equals = member.find('=');
    if (equals == std::string_view::npos) return invalid_state("member \"" + std::string(member) + "\" has no '='");
    const std::string_view key = member.substr(0, equals);
    const std::string_view value = member.substr(equals + 1);
    if (!valid_key(key)) return invalid_state("invalid key \"" + std::string(key) + "\"");
    if (!valid_value(value)) return invalid_state("invalid value for key \"" + std::string(key) + "\"");
    // A repeated key: the spec lets a vendor keep both or one; the first is kept.
    if (!keys.emplace(key).second) continue;
    members.push_back({std::string(key), std::string(value)});
  }
  return members;
}

std::string format_tracestate(const std::vector<TraceStateMember>& members) {
  std::string out;
  for (const TraceStateMember& member : members) {
    if (!out.empty()) out += ',';
    out += member.key;
    out += '=';
    out += member.value;
  }
  return out;
}

Result<TraceContext> read_trace_context(const TraceHeaders& headers) {
  if (headers.traceparent.empty()) return Status(StatusCode::kNotFound, "traceparent: none received");
  if (headers.traceparent.size() > 1) {
    return invalid("received " + std::to_string(headers.traceparent.size()) + " times; exactly one is valid");
  }
  const std::string_view value = trim_ows(headers.traceparent.front());
  if (value.find(',') != std::string_view::npos) return invalid("holds more than one value");
  Result<TraceContext> parsed = parse_traceparent(value);
  if (!parsed.ok()) return parsed.status();
  TraceContext context = *parsed;
  std::string combined;
  for (std::string_view part : headers.tracestate) {
    if (!combined.empty()) combined += ',';
    combined += part;
  }
  // An invalid tracestate is dropped; it does not affect the traceparent.
  Result<std::vector<TraceStateMember>> members = parse_tracestate(combined);
  if (members.ok()) context.tracestate = format_tracestate(*members);
  return context;
}

TraceContext continue_or_start(const TraceHeaders& headers, time::Prng& prng) {
  Result<TraceContext> continued = read_trace_context(headers);
  if (continued.ok()) return *continued;
  return start_trace(prng);
}

TraceContext start_trace(time::Prng& prng, bool sampled) {
  TraceContext context;
  fill_random_non_zero(context.trace_id, prng);
  fill_random_non_zero(context.span_id, prng);
  context.flags = static_cast<std::uint8_t>(kFlagRandomTraceId | (sampled ? kFlagSampled : 0));
  return context;
}

TraceContext child_of(const TraceContext& parent, time::Prng& prng) {
  TraceContext child = parent;
  fill_random_non_zero(child.span_id, prng);
  return child;
}

}  // namespace sluice::observe
