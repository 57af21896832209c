#include "core/observe/trace_context.h"

#include <gtest/gtest.h>

namespace sluice::observe {
namespace {

constexpr std::string_view kSpecExample = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

TEST(TraceparentTest, ParsesTheSpecsExampleAndWritesItBackUnchanged) {
  Result<TraceContext> context = parse_traceparent(kSpecExample);
  ASSERT_TRUE(context.ok()) << context.status().message();
  EXPECT_EQ(context->trace_id_hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(context->span_id_hex(), "00f067aa0ba902b7");
  EXPECT_TRUE(context->sampled());
  EXPECT_EQ(context->traceparent(), kSpecExample);
  Result<TraceContext> unsampled = parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
  EXPECT_FALSE(unsampled->sampled());
}

TEST(TraceparentTest, RejectsWhatTheSpecCallsInvalid) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01", "trace-id is not 32 lowercase hex digits"},
      {"00-00000000000000000000000000000000-00f067aa0ba902b7-01", "trace-id is all zeros"},
      {"00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", "parent-id is all zeros"},
      {"ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "version ff is forbidden"},
      {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra", "version 00 is exactly 55 characters"},
      {"00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01", "shorter than 55 characters"},
      {"00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "fields must be separated by '-'"},
      {"0g-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "the version is not two lowercase hex digits"},
      {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0x", "trace-flags are not two lowercase hex digits"},
      {"cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01.what", "a later version must continue with '-'"},
      {"", "shorter than 55 characters"},
  };
  for (const auto& [header, why] : cases) {
    Result<TraceContext> parsed = parse_traceparent(header);
    ASSERT_FALSE(parsed.ok()) << header;
    EXPECT_NE(parsed.status().message().find(why), std::string::npos) << header << ": " << parsed.status().message();
  }
}

TEST(TraceparentTest, ALaterVersionIsReadAsVersion00AndSentOnAsVersion00) {
  Result<TraceContext> future =
      parse_traceparent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-09-what-the-future-will-be-like");
  ASSERT_TRUE(future.ok()) << future.status().message();
  EXPECT_EQ(future->traceparent(), kSpecExample);  // unknown flags of a later version are not passed on
  EXPECT_TRUE(parse_traceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").ok());
}

TEST(TracestateTest, ParsesMembersSkippingEmptyOnesAndWhitespace) {
  Result<std::vector<TraceStateMember>> members =
      parse_tracestate("rojo=00f067aa0ba902b7 ,, \tcongo=t61rcWkgMzE,fw529a3039@dt=some value");
  ASSERT_TRUE(members.ok()) << members.status().message();
  ASSERT_EQ(members->size(), 3u);
  EXPECT_EQ((*members)[0].key, "rojo");
  EXPECT_EQ((*members)[1].value, "t61rcWkgMzE");
  EXPECT_EQ((*members)[2].key, "fw529a3039@dt");
  EXPECT_EQ((*members)[2].value, "some value");
  EXPECT_TRUE(parse_tracestate("").ok());
}

TEST(TracestateTest, RejectsBadKeysValuesDuplicatesAndTooManyMembers) {
  EXPECT_NE(parse_tracestate("Rojo=1").status().message().find("invalid key"), std::string::npos);
  EXPECT_NE(parse_tracestate("rojo").status().message().find("has no '='"), std::string::npos);
  EXPECT_NE(parse_tracestate("rojo=a,rojo=b").status().message().find("appears twice"), std::string::npos);
  EXPECT_NE(parse_tracestate("rojo=").status().message().find("invalid value"), std::string::npos);
  EXPECT_NE(parse_tracestate("rojo=a=b").status().message().find("invalid value"), std::string::npos);
  EXPECT_NE(parse_tracestate("tenant@Sys=1").status().message().find("invalid key"), std::string::npos);
  std::string many;
  for (int i = 0; i < 33; ++i) many += "k" + std::to_string(i) + "=v,";
  EXPECT_NE(parse_tracestate(many).status().message().find("more than 32"), std::string::npos);
}

TEST(TraceContextTest, ContinuesAValidTraceAndStartsANewOneOtherwise) {
  time::Prng prng(7);
  TraceContext continued = continue_or_start(kSpecExample, "rojo=00f067aa0ba902b7", prng);
  EXPECT_EQ(continued.trace_id_hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(continued.tracestate, "rojo=00f067aa0ba902b7");

  TraceContext bad_state = continue_or_start(kSpecExample, "Bad=1", prng);
  EXPECT_EQ(bad_state.trace_id_hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_TRUE(bad_state.tracestate.empty());

  TraceContext fresh = continue_or_start("garbage", "rojo=1", prng);
  EXPECT_NE(fresh.trace_id_hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_TRUE(fresh.tracestate.empty());  // a tracestate never outlives its traceparent
  EXPECT_TRUE(fresh.sampled());
  EXPECT_TRUE(parse_traceparent(fresh.traceparent()).ok());

  TraceContext none = continue_or_start(std::nullopt, std::nullopt, prng);
  EXPECT_NE(none.trace_id, fresh.trace_id);
}

TEST(TraceContextTest, AChildKeepsTheTraceFlagsAndStateWithANewSpan) {
  time::Prng prng(7);
  TraceContext parent = *parse_traceparent(kSpecExample);
  parent.tracestate = "rojo=1";
  TraceContext child = child_of(parent, prng);
  EXPECT_EQ(child.trace_id, parent.trace_id);
  EXPECT_NE(child.span_id, parent.span_id);
  EXPECT_EQ(child.flags, parent.flags);
  EXPECT_EQ(child.tracestate, "rojo=1");
}

TEST(TraceContextTest, NewIdsComeFromTheSeedSoRunsReplayExactly) {
  time::Prng a(99);
  time::Prng b(99);
  EXPECT_EQ(start_trace(a).traceparent(), start_trace(b).traceparent());
}

}  // namespace
}  // namespace sluice::observe
