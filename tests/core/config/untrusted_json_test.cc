#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "core/config/parse_json.h"

namespace sluice::config {
namespace {

using nlohmann::json;

std::string_view reason_of(std::string_view text, const UntrustedJsonLimits& limits = {}) {
  static Status last;  // keeps the reason's storage (a static string) beside the test
  last = parse_untrusted_json(text, limits).status();
  return last.reason();
}

TEST(UntrustedJsonTest, AcceptsOrdinaryDocuments) {
  const Result<json> parsed = parse_untrusted_json(R"({"a": [1, {"b": null}], "c": "\u00e9"})");
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ((*parsed)["a"][0], 1);
}

TEST(UntrustedJsonTest, NamesEachBrokenRule) {
  EXPECT_EQ(reason_of("{\"a\": "), "not_json");
  EXPECT_EQ(reason_of("\"\xff\xfe\""), "not_json");  // invalid UTF-8
  EXPECT_EQ(reason_of(R"({"a": 1, "a": 2})"), "duplicate_key");
  EXPECT_EQ(reason_of(R"({"x": {"a": 1}, "y": {"a": 2}})"), "");  // the same key in two objects is fine
  EXPECT_EQ(reason_of("1e400"), "number_out_of_range");
  EXPECT_EQ(parse_untrusted_json("[1e400]").status().message(), "the number 1e400 is out of range");
  EXPECT_EQ(reason_of(std::string(300, ' ') + "1", {.max_bytes = 256}), "too_large");
}

TEST(UntrustedJsonTest, DeepNestingStopsAtTheLimitWithoutRecursion) {
  // 100,000 levels would overflow a recursive parser's or destructor's stack.
  const std::string deep = std::string(100'000, '[') + std::string(100'000, ']');
  EXPECT_EQ(reason_of(deep), "too_deep");
  const std::string objects = [] {
    std::string text;
    for (int i = 0; i < 100'000; ++i) text += "{\"a\":";
    return text + "1" + std::string(100'000, '}');
  }();
  EXPECT_EQ(reason_of(objects, {.max_bytes = 1 << 20}), "too_deep");
  // At the limit itself it parses.
  EXPECT_EQ(reason_of(std::string(4, '[') + std::string(4, ']'), {.max_depth = 4}), "");
  EXPECT_EQ(reason_of(std::string(5, '[') + std::string(5, ']'), {.max_depth = 4}), "too_deep");
}

}  // namespace
}  // namespace sluice::config
