#include "core/observe/trace_context.h"

#include <gtest/gtest.h>

namespace sluice::observe {
namespace {

constexpr std::string_view kSpecExample = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
constexpr std::string_view kSpecTraceId = "4bf92f3577b34da6a3ce929d0e0e4736";

// read: what read_trace_context makes of these traceparent and tracestate values.
Result<TraceContext> read(std::vector<std::string_view> traceparent, std::vector<std::string_view> tracestate = {}) {
  return read_trace_context({.traceparent = std::move(traceparent), .tracestate = std::move(tracestate)});
}

// state_of: the tracestate passed on after receiving the spec's traceparent and these
// tracestate values.
std::string state_of(std::vector<std::string_view> tracestate) {
  Result<TraceContext> context = read({kSpecExample}, std::move(tracestate));
  EXPECT_TRUE(context.ok()) << context.status().message();
  return context.ok() ? context->tracestate : "<no context>";
}

TEST(TraceparentTest, ParsesTheSpecsExampleAndWritesItBackUnchanged) {
  Result<TraceContext> context = parse_traceparent(kSpecExample);
  ASSERT_TRUE(context.ok()) << context.status().message();
  EXPECT_EQ(context->trace_id_hex(), kSpecTraceId);
  EXPECT_EQ(context->span_id_hex(), "00f067aa0ba902b7");
  EXPECT_TRUE(context->sampled());
  EXPECT_FALSE(context->random_trace_id());
  EXPECT_EQ(context->traceparent(), kSpecExample);
  Result<TraceContext> unsampled = parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
  ASSERT_TRUE(unsampled.ok());
  EXPECT_FALSE(unsampled->sampled());
}

TEST(TraceparentTest, RejectsWhatTheSpecCallsInvalid) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01", "trace-id is not 32 lowercase hex digits"},
      {"00-00000000000000000000000000000000-00f067aa0ba902b7-01", "trace-id is all zeros"},
      {"00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", "parent-id is all zeros"},
      {"ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "version ff is forbidden"},
      {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra", "version 00 is exactly 55 characters"},
      {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01.", "version 00 is exactly 55 characters"},
      {"00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01", "shorter than 55 characters"},
      {"00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "fields must be separated by '-'"},
      {"0g-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "the version is not two lowercase hex digits"},
      {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0x", "trace-flags are not two lowercase hex digits"},
      {"cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01.what", "a later version must continue with '-'"},
      {"", "shorter than 55 characters"},
  };
  for (const auto& [value, why] : cases) {
    Result<TraceContext> parsed = parse_traceparent(value);
    ASSERT_FALSE(parsed.ok()) << value;
    EXPECT_NE(parsed.status().message().find(why), std::string::npos) << value << ": " << parsed.status().message();
  }
}

// The W3C suite's malformed traceparents, field by field: each starts a new trace.
TEST(TraceparentTest, EveryFieldTooShortTooLongOrWithIllegalCharactersIsInvalid) {
  for (std::string_view value : {
           ".0-12345678901234567890123456789012-1234567890123456-01",   // version: illegal character
           "0.-12345678901234567890123456789012-1234567890123456-01",   //
           "000-12345678901234567890123456789012-1234567890123456-01",  // version: too long
           "0000-12345678901234567890123456789012-1234567890123456-01",
           "0-12345678901234567890123456789012-1234567890123456-01",    // version: too short
           "00-.2345678901234567890123456789012-1234567890123456-01",   // trace-id: illegal character
           "00-1234567890123456789012345678901.-1234567890123456-01",   //
           "00-123456789012345678901234567890123-1234567890123456-01",  // trace-id: too long
           "00-1234567890123456789012345678901-1234567890123456-01",    // trace-id: too short
           "00-12345678901234567890123456789012-.234567890123456-01",   // parent-id: illegal character
           "00-12345678901234567890123456789012-123456789012345.-01",   //
           "00-12345678901234567890123456789012-12345678901234567-01",  // parent-id: too long
           "00-12345678901234567890123456789012-123456789012345-01",    // parent-id: too short
           "00-12345678901234567890123456789012-1234567890123456-.0",   // flags: illegal character
           "00-12345678901234567890123456789012-1234567890123456-0.",   //
           "00-12345678901234567890123456789012-1234567890123456-001",  // flags: too long
           "00-12345678901234567890123456789012-1234567890123456-1",    // flags: too short
       }) {
    EXPECT_FALSE(parse_traceparent(value).ok()) << value;
    EXPECT_FALSE(read({value}).ok()) << value;
  }
}

TEST(TraceparentTest, ALaterVersionIsReadAsVersion00AndSentOnAsVersion00) {
  Result<TraceContext> future =
      parse_traceparent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future-will-be-like");
  ASSERT_TRUE(future.ok()) << future.status().message();
  EXPECT_EQ(future->traceparent(), kSpecExample);
  Result<TraceContext> exact = parse_traceparent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  ASSERT_TRUE(exact.ok());
  EXPECT_EQ(exact->traceparent(), kSpecExample);
  EXPECT_TRUE(parse_traceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").ok());
  // A later version still needs lowercase hex ids that are not all zeros.
  EXPECT_FALSE(parse_traceparent("cc-00000000000000000000000000000000-00f067aa0ba902b7-01").ok());
  EXPECT_FALSE(parse_traceparent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0z-x").ok());
}

TEST(TraceparentTest, KeepsTheSampledAndRandomFlagsAndZeroesTheOthers) {
  EXPECT_EQ(parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-02")->flags, 0x02);
  EXPECT_EQ(parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03")->flags, 0x03);
  EXPECT_EQ(parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-ff")->flags, 0x03);
  EXPECT_EQ(parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-04")->flags, 0x00);
  EXPECT_EQ(parse_traceparent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-09-more")->traceparent(),
            kSpecExample);
}

TEST(ReadTraceContextTest, ContinuesOneValidTraceparent) {
  Result<TraceContext> context = read({kSpecExample});
  ASSERT_TRUE(context.ok());
  EXPECT_EQ(context->trace_id_hex(), kSpecTraceId);
  EXPECT_EQ(context->span_id_hex(), "00f067aa0ba902b7");
  EXPECT_TRUE(context->tracestate.empty());
}

TEST(ReadTraceContextTest, NoTraceparentIsNotFound) {
  EXPECT_EQ(read({}).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(read({}, {"rojo=1"}).status().code(), StatusCode::kNotFound);
}

TEST(ReadTraceContextTest, TwoTraceparentsOrACombinedValueAreInvalid) {
  const Result<TraceContext> twice = read({kSpecExample, "00-12345678901234567890123456789012-1234567890123456-01"});
  EXPECT_FALSE(twice.ok());
  EXPECT_NE(twice.status().message().find("received 2 times"), std::string::npos) << twice.status().message();
  EXPECT_FALSE(read({kSpecExample, kSpecExample}).ok());  // even the same value twice
  const Result<TraceContext> combined =
      read({"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01,00-12345678901234567890123456789012-"
            "1234567890123456-01"});
  EXPECT_FALSE(combined.ok());
  EXPECT_NE(combined.status().message().find("more than one value"), std::string::npos);
  EXPECT_FALSE(read({"cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01,x"}).ok());
}

TEST(ReadTraceContextTest, SpacesAndTabsAroundTheTraceparentAreTrimmed) {
  for (std::string_view value : {" 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                                 "\t00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                                 "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01 ",
                                 "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\t",
                                 "\t 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01 \t"}) {
    Result<TraceContext> context = read({value});
    ASSERT_TRUE(context.ok()) << "[" << value << "] " << context.status().message();
    EXPECT_EQ(context->traceparent(), kSpecExample);
  }
  // Whitespace inside is not optional whitespace.
  EXPECT_FALSE(read({"00-4bf92f3577b34da6a3ce929d0e0e4736 -00f067aa0ba902b7-01"}).ok());
}

TEST(ReadTraceContextTest, TheTracestateNeverOutlivesAnInvalidTraceparent) {
  EXPECT_FALSE(read({"garbage"}, {"rojo=1"}).ok());
  time::Prng prng(7);
  const TraceContext fresh = continue_or_start({.traceparent = {"garbage"}, .tracestate = {"rojo=1"}}, prng);
  EXPECT_NE(fresh.trace_id_hex(), kSpecTraceId);
  EXPECT_TRUE(fresh.tracestate.empty());
  const TraceContext orphan = continue_or_start({.tracestate = {"rojo=1"}}, prng);
  EXPECT_TRUE(orphan.tracestate.empty());
}

TEST(TracestateTest, KeepsAValidTracestateWithItsTraceparent) {
  EXPECT_EQ(state_of({"rojo=00f067aa0ba902b7"}), "rojo=00f067aa0ba902b7");
  EXPECT_EQ(state_of({"foo=1,bar=2"}), "foo=1,bar=2");
  EXPECT_EQ(state_of({}), "");
}

TEST(TracestateTest, SeveralHeadersAreCombinedInOrder) {
  EXPECT_EQ(state_of({"foo=1,bar=2", "rojo=1,congo=2", "baz=3"}), "foo=1,bar=2,rojo=1,congo=2,baz=3");
  EXPECT_EQ(state_of({"foo=1", ""}), "foo=1");
  EXPECT_EQ(state_of({"", "foo=1"}), "foo=1");
  EXPECT_EQ(state_of({""}), "");  // an empty header is accepted and not sent on
}

TEST(TracestateTest, WhitespaceAroundMembersAndEmptyMembersAreDropped) {
  EXPECT_EQ(state_of({"foo=1 \t , \t bar=2, \t baz=3"}), "foo=1,bar=2,baz=3");
  EXPECT_EQ(state_of({"foo=1\t \t,\t \tbar=2,\t \tbaz=3"}), "foo=1,bar=2,baz=3");
  for (std::string_view value : {" foo=1", "\tfoo=1", "foo=1 ", "foo=1\t", "\t foo=1 \t", ",,foo=1,, ,"}) {
    EXPECT_EQ(state_of({value}), "foo=1") << "[" << value << "]";
  }
  EXPECT_EQ(state_of({"foo= 1"}), "foo= 1");  // leading spaces are part of a value
}

TEST(TracestateTest, OfARepeatedKeyTheFirstIsKept) {
  EXPECT_EQ(state_of({"foo=1,foo=1"}), "foo=1");
  EXPECT_EQ(state_of({"foo=1,foo=2"}), "foo=1");
  EXPECT_EQ(state_of({"foo=1", "foo=2"}), "foo=1");
}

TEST(TracestateTest, AtMost32Members) {
  std::string members;
  for (int i = 1; i <= 32; ++i) members += (i > 1 ? "," : "") + std::string("bar") + std::to_string(i) + "=1";
  EXPECT_EQ(state_of({members}), members);
  EXPECT_EQ(state_of({members, "bar33=1"}), "");
  EXPECT_NE(parse_tracestate(members + ",bar33=1").status().message().find("more than 32 members"), std::string::npos);
}

TEST(TracestateTest, KeysFollowTheGrammarMultiTenantKeysIncluded) {
  const std::string all_key_chars = "abcdefghijklmnopqrstuvwxyz0123456789_-*/";
  for (const std::string& key :
       {std::string("rojo"), std::string("0rojo"), all_key_chars, all_key_chars + "@a-z0-9_-*/",
        std::string("fw529a3039@dt"), std::string("foo@"), std::string("foo@@bar"), std::string("foo@bar@baz"),
        std::string(256, 'z'), std::string(241, 't') + "@" + std::string(14, 'v'), std::string(242, 't') + "@v",
        "t@" + std::string(15, 'v')}) {
    EXPECT_EQ(state_of({"foo=1", key + "=1"}), (key == "foo@" ? "foo=1,foo@=1" : "foo=1," + key + "=1")) << key;
  }
  for (const std::string& key :
       {std::string("foo "), std::string("FOO"), std::string("foo.bar"), std::string("@foo"), std::string("_foo"),
        std::string(257, 'z'), std::string("tenant@Sys"), std::string("")}) {
    EXPECT_EQ(state_of({"foo=1", key + "=1"}), "") << key;  // the whole tracestate is dropped
    EXPECT_NE(parse_tracestate(key + "=1").status().message().find("invalid key"), std::string::npos) << key;
  }
}

TEST(TracestateTest, ValuesArePrintableAsciiWithoutCommaOrEquals) {
  std::string all_value_chars;
  for (char c = 0x20; c <= 0x7e; ++c) {
    if (c != ',' && c != '=') all_value_chars += c;
  }
  EXPECT_EQ(state_of({"foo=" + all_value_chars}), "foo=" + all_value_chars);
  EXPECT_EQ(state_of({"foo=" + std::string(256, 'v')}), "foo=" + std::string(256, 'v'));
  EXPECT_EQ(state_of({"foo=" + std::string(257, 'v')}), "");
  EXPECT_EQ(state_of({"foo=bar=baz"}), "");
  EXPECT_EQ(state_of({"foo=,bar=3"}), "");
  EXPECT_EQ(state_of({"foo=a\x7f"}), "");
  EXPECT_EQ(state_of({"foo=a\tb"}), "");
  EXPECT_NE(parse_tracestate("rojo").status().message().find("has no '='"), std::string::npos);
  EXPECT_NE(parse_tracestate("rojo=").status().message().find("invalid value"), std::string::npos);
}

TEST(TracestateTest, FormatWritesMembersBack) {
  Result<std::vector<TraceStateMember>> members = parse_tracestate(" rojo=00f067aa0ba902b7 ,, congo=t61rcWkgMzE");
  ASSERT_TRUE(members.ok());
  ASSERT_EQ(members->size(), 2u);
  EXPECT_EQ((*members)[1].key, "congo");
  EXPECT_EQ((*members)[1].value, "t61rcWkgMzE");
  EXPECT_EQ(format_tracestate(*members), "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
  EXPECT_EQ(format_tracestate({}), "");
}

TEST(TraceHeadersTest, OneTreatsAnEmptyValueAsAbsent) {
  EXPECT_EQ(read_trace_context(TraceHeaders::one("")).status().code(), StatusCode::kNotFound);
  Result<TraceContext> stored = read_trace_context(TraceHeaders::one(kSpecExample, "rojo=1"));
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->tracestate, "rojo=1");
  EXPECT_EQ(read_trace_context(TraceHeaders::one(kSpecExample, ""))->tracestate, "");
}

TEST(TraceContextTest, ANewTraceIsSampledWithRandomIdsAndItsRandomFlagSet) {
  time::Prng prng(7);
  const TraceContext fresh = start_trace(prng);
  EXPECT_TRUE(fresh.sampled());
  EXPECT_TRUE(fresh.random_trace_id());
  EXPECT_TRUE(parse_traceparent(fresh.traceparent()).ok());
  EXPECT_EQ(fresh.traceparent().substr(53), "03");
  const TraceContext unsampled = start_trace(prng, false);
  EXPECT_EQ(unsampled.flags, kFlagRandomTraceId);
  EXPECT_NE(unsampled.trace_id, fresh.trace_id);
}

TEST(TraceContextTest, ContinuesAValidTraceAndStartsANewOneOtherwise) {
  time::Prng prng(7);
  const TraceContext continued = continue_or_start({.traceparent = {kSpecExample}, .tracestate = {"rojo=1"}}, prng);
  EXPECT_EQ(continued.traceparent(), kSpecExample);
  EXPECT_EQ(continued.tracestate, "rojo=1");
  const TraceContext none = continue_or_start({}, prng);
  const TraceContext other = continue_or_start({}, prng);
  EXPECT_NE(none.trace_id, other.trace_id);
  EXPECT_TRUE(none.tracestate.empty());
}

TEST(TraceContextTest, AChildKeepsTheTraceFlagsAndStateWithANewSpan) {
  time::Prng prng(7);
  TraceContext parent = *parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-02");
  parent.tracestate = "rojo=1";
  const TraceContext child = child_of(parent, prng);
  EXPECT_EQ(child.trace_id, parent.trace_id);
  EXPECT_NE(child.span_id, parent.span_id);
  EXPECT_EQ(child.flags, parent.flags);  // the random flag is never set or cleared on the way
  EXPECT_EQ(child.tracestate, "rojo=1");
  EXPECT_NE(child_of(parent, prng).span_id, child.span_id);  // every call its own span
}

TEST(TraceContextTest, NewIdsComeFromTheSeedSoRunsReplayExactly) {
  time::Prng a(99);
  time::Prng b(99);
  EXPECT_EQ(start_trace(a).traceparent(), start_trace(b).traceparent());
}

}  // namespace
}  // namespace sluice::observe
