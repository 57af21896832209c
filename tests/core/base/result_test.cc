#include "core/base/result.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sluice {
namespace {

Result<std::vector<std::string>> words() { return std::vector<std::string>{"a", "b", "c"}; }
Result<int> failure() { return Status::invalid_argument("no", "Reason"); }

TEST(ResultTest, HoldsAValueOrAStatus) {
  const Result<int> seven = 7;
  EXPECT_TRUE(seven.ok());
  EXPECT_EQ(*seven, 7);
  EXPECT_TRUE(seven.status().ok());
  const Result<int> none = failure();
  EXPECT_FALSE(none.ok());
  EXPECT_EQ(none.status().message(), "no");
  EXPECT_EQ(none.status().reason(), "Reason");
}

TEST(ResultTest, IteratingATemporarysValueIsSafe) {
  // *words() yields the vector itself, so the loop does not outlive what it walks
  // (AddressSanitizer would report a use after scope otherwise).
  std::string joined;
  for (const std::string& word : *words()) joined += word;
  EXPECT_EQ(joined, "abc");
}

TEST(ResultDeathTest, ReadingTheValueOfAnErrorStops) {
  EXPECT_DEATH((void)*failure(), "ok\\(\\)");
  EXPECT_DEATH((void)Result<int>(Status()), "ok\\(\\)");
}

}  // namespace
}  // namespace sluice
