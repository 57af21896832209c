#include "core/observe/trace_context.h"

#include <set>

namespace sluice::observe {
namespace {

constexpr std::size_t kVersion00Length = 55;  // 2 + 1 + 32 + 1 + 16 + 1 + 2
constexpr std::size_t kMaxTraceStateMembers = 32;

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

bool is_lcalpha(char c) { return c >= 'a' && c <= 'z'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_key_char(char c) { return is_lcalpha(c) || is_digit(c) || c == '_' || c == '-' || c == '*' || c == '/'; }

bool valid_key(std::string_view key) {
  const std::size_t at = key.find('@');
  if (at == std::string_view::npos) {
    if (key.empty() || key.size() > 256 || !is_lcalpha(key[0])) return false;
    for (char c : key) {
      if (!is_key_char(c)) return false;
    }
    return true;
  }
  // Multi-tenant: tenant-id@system-id.
  const std::string_view tenant = key.substr(0, at);
  const std::string_view system = key.substr(at + 1);
  if (tenant.empty() || tenant.size() > 241 || system.empty() || system.size() > 14) return false;
  if (!is_lcalpha(tenant[0]) && !is_digit(tenant[0])) return false;
  if (!is_lcalpha(system[0])) return false;
  for (char c : tenant) {
    if (!is_key_char(c)) return false;
  }
  for (char c : system) {
    if (!is_key_char(c)) return false;
  }
  return true;
}

bool valid_value(std::string_view value) {
  // 0*255(chr) nblk-chr: printable ASCII except ',' and '=', spaces inside only.
  if (value.empty() || value.size() > 256 || value.back() == ' ') return false;
  for (char c : value) {
    if (c < 0x20 || c > 0x7e || c == ',' || c == '=') return false;
  }
  return true;
}

std::string_view trim_ows(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

std::string TraceContext::trace_id_hex() const { return to_hex(trace_id); }
std::string TraceContext::span_id_hex() const { return to_hex(span_id); }

std::string TraceContext::traceparent() const {
  const std::array<std::uint8_t, 1> flag_byte = {flags};
  return "00-" + trace_id_hex() + "-" + span_id_hex() + "-" + to_hex(flag_byte);
}

Result<TraceContext> parse_traceparent(std::string_view header) {
  if (header.size() < kVersion00Length) return invalid("shorter than 55 characters");
  std::array<std::uint8_t, 1> version{};
  if (!read_hex(header.substr(0, 2), version)) return invalid("the version is not two lowercase hex digits");
  if (version[0] == 0xff) return invalid("version ff is forbidden");
  if (version[0] == 0x00 && header.size() != kVersion00Length) return invalid("version 00 is exactly 55 characters");
  if (version[0] != 0x00 && header.size() > kVersion00Length && header[kVersion00Length] != '-') {
    return invalid("a later version must continue with '-' after 55 characters");
  }
  if (header[2] != '-' || header[35] != '-' || header[52] != '-') return invalid("fields must be separated by '-'");
  TraceContext context;
  if (!read_hex(header.substr(3, 32), context.trace_id)) return invalid("trace-id is not 32 lowercase hex digits");
  if (all_zero(context.trace_id)) return invalid("trace-id is all zeros");
  if (!read_hex(header.substr(36, 16), context.span_id)) return invalid("parent-id is not 16 lowercase hex digits");
  if (all_zero(context.span_id)) return invalid("parent-id is all zeros");
  std::array<std::uint8_t, 1> flags{};
  if (!read_hex(header.substr(53, 2), flags)) return invalid("trace-flags are not two lowercase hex digits");
  // Flags this version does not define are not passed on (only "sampled" is).
  context.flags = static_cast<std::uint8_t>(version[0] == 0x00 ? flags[0] : flags[0] & 0x01);
  return context;
}

Result<std::vector<TraceStateMember>> parse_tracestate(std::string_view header) {
  std::vector<TraceStateMember> members;
  std::set<std::string, std::less<>> keys;
  std::size_t start = 0;
  while (start <= header.size()) {
    std::size_t end = header.find(',', start);
    if (end == std::string_view::npos) end = header.size();
    const std::string_view member = trim_ows(header.substr(start, end - start));
    start = end + 1;
    if (member.empty()) continue;
    const std::size_t equals = member.find('=');
    if (equals == std::string_view::npos) {
      return Status::invalid_argument("tracestate: member \"" + std::string(member) + "\" has no '='");
    }
    const std::string_view key = member.substr(0, equals);
    const std::string_view value = member.substr(equals + 1);
    if (!valid_key(key)) return Status::invalid_argument("tracestate: invalid key \"" + std::string(key) + "\"");
    if (!valid_value(value)) {
      return Status::invalid_argument("tracestate: invalid value for key \"" + std::string(key) + "\"");
    }
    if (!keys.emplace(key).second) {
      return Status::invalid_argument("tracestate: key \"" + std::string(key) + "\" appears twice");
    }
    if (members.size() == kMaxTraceStateMembers) return Status::invalid_argument("tracestate: more than 32 members");
    members.push_back({std::string(key), std::string(value)});
  }
  return members;
}

TraceContext start_trace(time::Prng& prng, bool sampled) {
  TraceContext context;
  fill_random_non_zero(context.trace_id, prng);
  fill_random_non_zero(context.span_id, prng);
  context.flags = sampled ? 0x01 : 0x00;
  return context;
}

TraceContext child_of(const TraceContext& parent, time::Prng& prng) {
  TraceContext child = parent;
  fill_random_non_zero(child.span_id, prng);
  return child;
}

TraceContext continue_or_start(std::optional<std::string_view> traceparent, std::optional<std::string_view> tracestate,
                               time::Prng& prng) {
  if (!traceparent) return start_trace(prng);
  Result<TraceContext> parsed = parse_traceparent(*traceparent);
  if (!parsed.ok()) return start_trace(prng);
  TraceContext context = *parsed;
  if (tracestate && parse_tracestate(*tracestate).ok()) context.tracestate = std::string(*tracestate);
  return context;
}

}  // namespace sluice::observe
