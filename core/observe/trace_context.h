// trace_context.h: W3C Trace Context (https://www.w3.org/TR/trace-context/): parsing,
// validating and propagating `traceparent` and `tracestate`. The one place for these
// rules: HTTP headers, gRPC metadata, SQS message attributes, AMQP headers and the
// order service's stored context all go through read_trace_context().
//
//   TraceHeaders received = {.traceparent = request.header_values("traceparent"),
//                            .tracestate = request.header_values("tracestate")};
//   TraceContext incoming = continue_or_start(received, prng);
//   TraceContext outgoing = child_of(incoming, prng);   // same trace, a new span id
//   call.set_header("traceparent", outgoing.traceparent());
//   if (!outgoing.tracestate.empty()) call.set_header("tracestate", outgoing.tracestate);
//
// The rules, as the spec gives them:
//  1. Exactly one traceparent value continues a trace. Two values (two headers, or one
//     combined "a,b" value) are invalid, as is a malformed one: a new trace starts.
//  2. Optional whitespace (spaces and tabs) around a value is not part of it.
//  3. Version 00 is parsed exactly (55 characters, lowercase hex, ids not all zero).
//     A higher version is parsed by the spec's rules: its first 55 characters as
//     version 00, followed by the end or a '-'. Version ff is invalid.
//  4. Of the trace-flags, sampled (0x01) and random-trace-id (0x02, Level 2) are kept;
//     the others are set to zero, as the spec requires.
//  5. Several tracestate values are combined into one list, in order (RFC 9110).
//     The list is validated: at most 32 members, keys and values per the grammar
//     (a key may be multi-tenant, "tenant@system"); empty members and whitespace
//     around members are dropped; of a key that appears twice the first is kept. An
//     invalid tracestate is dropped as a whole, and never outlives an invalid
//     traceparent. What is propagated is the validated list, written back as
//     "k1=v1,k2=v2".
#ifndef SLUICE_CORE_OBSERVE_TRACE_CONTEXT_H_
#define SLUICE_CORE_OBSERVE_TRACE_CONTEXT_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"
#include "core/time/prng.h"

namespace sluice::observe {

using TraceId = std::array<std::uint8_t, 16>;
using SpanId = std::array<std::uint8_t, 8>;

inline constexpr std::uint8_t kFlagSampled = 0x01;
inline constexpr std::uint8_t kFlagRandomTraceId = 0x02;

struct TraceContext {
  TraceId trace_id{};
  SpanId span_id{};  // the parent-id field: the span that sent this context
  std::uint8_t flags = 0;
  std::string tracestate;  // validated and written back as "k1=v1,k2=v2"; empty if none

  bool sampled() const { return (flags & kFlagSampled) != 0; }
  bool random_trace_id() const { return (flags & kFlagRandomTraceId) != 0; }
  // traceparent: version 00 text, e.g. "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".
  std::string traceparent() const;
  std::string trace_id_hex() const;
  std::string span_id_hex() const;

  friend bool operator==(const TraceContext&, const TraceContext&) = default;
};

// TraceHeaders: the trace context as it arrived: every value of `traceparent` and of
// `tracestate` in arrival order, untrimmed (HTTP headers and gRPC metadata may repeat;
// a message attribute or a stored field gives at most one each). The views must
// outlive the call they are passed to.
struct TraceHeaders {
  std::vector<std::string_view> traceparent;
  std::vector<std::string_view> tracestate;

  // one: at most one value each, as message attributes and stored fields hold them
  // (an empty value counts as absent).
  static TraceHeaders one(std::string_view traceparent, std::string_view tracestate = {});
};

// read_trace_context: the caller's context (its span id is the caller's span), or why
// there is none to continue: no traceparent, more than one, or an invalid one. The
// tracestate is kept only if it is valid (rule 5).
Result<TraceContext> read_trace_context(const TraceHeaders& headers);

// continue_or_start: read_trace_context(), or a new trace when it fails.
TraceContext continue_or_start(const TraceHeaders& headers, time::Prng& prng);

// parse_traceparent: the context in one traceparent value (no surrounding whitespace),
// or why it is invalid.
Result<TraceContext> parse_traceparent(std::string_view value);

struct TraceStateMember {
  std::string key;
  std::string value;
};

// parse_tracestate: the members of a combined tracestate value (rule 5), or why it is
// invalid: a member without '=', a bad key or value, or more than 32 members.
Result<std::vector<TraceStateMember>> parse_tracestate(std::string_view combined);

// format_tracestate: the members as one header value, "k1=v1,k2=v2".
std::string format_tracestate(const std::vector<TraceStateMember>& members);

// start_trace: a new trace with random, non-zero ids; the random-trace-id flag is set
// (the ids come from `prng`, uniformly).
TraceContext start_trace(time::Prng& prng, bool sampled = true);

// child_of: the context to send onwards from a new span: same trace, flags and
// tracestate, a new span id.
TraceContext child_of(const TraceContext& parent, time::Prng& prng);

}  // namespace sluice::observe

#endif  // SLUICE_CORE_OBSERVE_TRACE_CONTEXT_H_
