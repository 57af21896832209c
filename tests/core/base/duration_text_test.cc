#include "core/base/duration_text.h"

#include <gtest/gtest.h>

#include "core/time/prng.h"

namespace sluice {
namespace {

using namespace std::chrono_literals;

TEST(DurationTextTest, ReadsTheFormsIstioEnvoyAndGoWrite) {
  EXPECT_EQ(*parse_duration("30s"), 30s);
  EXPECT_EQ(*parse_duration("250ms"), 250ms);
  EXPECT_EQ(*parse_duration("1m30s"), 90s);
  EXPECT_EQ(*parse_duration("1.5s"), 1500ms);
  EXPECT_EQ(*parse_duration("2h45m"), 165min);
  EXPECT_EQ(*parse_duration("100us"), 100us);
  EXPECT_EQ(*parse_duration("100\xC2\xB5s"), 100us);
  EXPECT_EQ(*parse_duration("7ns"), 7ns);
  EXPECT_EQ(*parse_duration("0"), 0s);
  EXPECT_EQ(*parse_duration("-1.25ms"), -1250us);
  EXPECT_EQ(*parse_duration(".5s"), 500ms);
  EXPECT_EQ(*parse_duration("0.000000001s"), 1ns);
}

TEST(DurationTextTest, RejectsWhatItCannotReadWithAReason) {
  EXPECT_EQ(parse_duration("10").status().message(),
            "invalid duration \"10\": a unit is required (ns, us, ms, s, m, h)");
  EXPECT_EQ(parse_duration("10d").status().message(),
            "invalid duration \"10d\": unknown unit at \"d\" (ns, us, ms, s, m, h)");
  EXPECT_EQ(parse_duration("").status().message(), "invalid duration \"\": it is empty");
  EXPECT_EQ(parse_duration("s").status().message(), "invalid duration \"s\": expected a number at \"s\"");
  EXPECT_EQ(parse_duration("1.5ns").status().message(), "invalid duration \"1.5ns\": more precise than a nanosecond");
  EXPECT_EQ(parse_duration("99999999999999h").status().message(), "invalid duration \"99999999999999h\": too large");
  EXPECT_FALSE(parse_duration("1s 2s").ok());
}

TEST(DurationTextTest, FormatsTheShortestExactTextAndReadsItBack) {
  EXPECT_EQ(format_duration(90s), "1m30s");
  EXPECT_EQ(format_duration(250ms), "250ms");
  EXPECT_EQ(format_duration(1500ms), "1s500ms");
  EXPECT_EQ(format_duration(0s), "0s");
  EXPECT_EQ(format_duration(-3us), "-3us");
  time::Prng prng(3);
  for (int i = 0; i < 10'000; ++i) {
    const time::Duration d(prng.uniform_int(-1'000'000'000'000'000, 1'000'000'000'000'000));
    ASSERT_EQ(*parse_duration(format_duration(d)), d) << format_duration(d);
  }
}

}  // namespace
}  // namespace sluice
