#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/config/json_fields.h"
#include "core/config/parse_json.h"

namespace sluice::config {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

TEST(ParseJsonTest, ParsesValidText) {
  const Result<json> parsed = parse_json(R"({"a": [1, 2.5, "x", null, true]})");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ((*parsed)["a"][1], 2.5);
}

TEST(ParseJsonTest, MalformedTextSaysWhatAndWhere) {
  EXPECT_EQ(parse_json("{\"a\": 1,\n  oops}").status().message(),
            "malformed JSON: syntax error while parsing object key - invalid literal; last read: '1,<U+000A>  o'; "
            "expected string literal (line 2, column 3)");
  EXPECT_EQ(parse_json("").status().message().rfind("malformed JSON: ", 0), 0u);
  EXPECT_FALSE(parse_json("{\"a\": 1} trailing").ok());
  EXPECT_FALSE(parse_json("\"\xff\"").ok());  // invalid UTF-8
}

struct Sample {
  double ratio = 1;
  std::uint32_t count = 2;
  bool on = false;
  time::Duration wait = 1s;
  std::string name = "x";
  enum class Mode { kA, kB } mode = Mode::kA;
};

Status read(const json& object, Sample& s) {
  JsonFields f(object, "sample");
  f.number("ratio", s.ratio);
  f.count("count", s.count);
  f.boolean("on", s.on);
  f.duration("wait", s.wait);
  f.text("name", s.name);
  f.choice("mode", s.mode, {{"a", Sample::Mode::kA}, {"b", Sample::Mode::kB}});
  return f.finish();
}

TEST(JsonFieldsTest, ReadsEachKindAndKeepsDefaultsForAbsentFields) {
  Sample s;
  ASSERT_TRUE(read(json{{"ratio", 0.5}, {"count", 7}, {"on", true}, {"wait", "250ms"}, {"mode", "b"}}, s).ok());
  EXPECT_EQ(s.ratio, 0.5);
  EXPECT_EQ(s.count, 7u);
  EXPECT_TRUE(s.on);
  EXPECT_EQ(s.wait, 250ms);
  EXPECT_EQ(s.name, "x");  // absent: kept
  EXPECT_EQ(s.mode, Sample::Mode::kB);
}

TEST(JsonFieldsTest, EachMistakeNamesTheFieldAndQuotesTheValue) {
  auto error = [](const json& object) {
    Sample s;
    return read(object, s).message();
  };
  EXPECT_EQ(error(json{{"ratio", "half"}}), "sample.ratio must be a number; got \"half\"");
  EXPECT_EQ(error(json{{"count", -1}}), "sample.count must be a whole number >= 0; got -1");
  EXPECT_EQ(error(json{{"count", 1.5}}), "sample.count must be a whole number >= 0; got 1.5");
  EXPECT_EQ(error(json{{"count", 5e9}}), "sample.count must be at most 4294967295; got 5000000000.0");
  EXPECT_EQ(error(json{{"on", 1}}), "sample.on must be true or false; got 1");
  EXPECT_EQ(error(json{{"wait", 30}}), "sample.wait must be a duration string such as \"30s\" or \"250ms\"; got 30");
  EXPECT_EQ(error(json{{"wait", "30"}}),
            "sample.wait: invalid duration \"30\": a unit is required (ns, us, ms, s, m, h)");
  EXPECT_EQ(error(json{{"mode", "c"}}), "sample.mode must be one of \"a\", \"b\"; got \"c\"");
  EXPECT_EQ(error(json{{"raito", 1}}), "sample: unknown field \"raito\"");
  EXPECT_EQ(error(json::array()), "sample must be a JSON object; got []");
  // The first error wins and nothing after it is changed.
  Sample s;
  EXPECT_FALSE(read(json{{"ratio", "x"}, {"count", 9}}, s).ok());
  EXPECT_EQ(s.count, 2u);
}

}  // namespace
}  // namespace sluice::config
