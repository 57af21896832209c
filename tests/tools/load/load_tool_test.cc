#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tools/load/fault_plan.h"
#include "tools/load/load_report.h"

namespace sluice::load {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

TEST(FaultPlanTest, ReadsWindowsOfLatencyAndErrors) {
  Result<std::vector<FaultWindow>> plan =
      parse_fault_plan("inventory:latency_ms=3000@10s-20s,payment:error_rate=0.5@5s-1m");
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  ASSERT_EQ(plan->size(), 2u);
  EXPECT_EQ((*plan)[0].service, "inventory");
  EXPECT_EQ((*plan)[0].setting, "latency_ms");
  EXPECT_EQ((*plan)[0].value, 3000);
  EXPECT_EQ((*plan)[0].from, 10s);
  EXPECT_EQ((*plan)[0].to, 20s);
  EXPECT_EQ((*plan)[1].value, 0.5);
  EXPECT_EQ((*plan)[1].to, 60s);
  EXPECT_TRUE(parse_fault_plan("")->empty());
}

TEST(FaultPlanTest, NamesWhatIsWrong) {
  for (const auto& [text, why] :
       std::vector<std::pair<std::string, std::string>>{{"inventory", "malformed"},
                                                        {"inventory:slow=1@1s-2s", "unknown setting"},
                                                        {"inventory:error_rate=2@1s-2s", "bad value"},
                                                        {"inventory:latency_ms=x@1s-2s", "bad value"},
                                                        {"inventory:latency_ms=10@5s-2s", "must end after"},
                                                        {"inventory:latency_ms=10@5-9s", "unit"}}) {
    Result<std::vector<FaultWindow>> plan = parse_fault_plan(text);
    ASSERT_FALSE(plan.ok()) << text;
    EXPECT_THAT(plan.status().message(), HasSubstr(why)) << text;
    EXPECT_THAT(plan.status().message(), HasSubstr(text)) << text;
  }
}

TEST(LoadReportTest, SummarisesAnswersLatenciesAndSagas) {
  LoadReport report;
  report.seconds = 2;
  for (int i = 100; i >= 1; --i) report.latencies_ms.push_back(i);
  report.statuses = {{201, 98}, {409, 1}, {0, 1}};
  report.completed = 90;
  report.compensated = 8;
  const std::string text = report.text();
  EXPECT_THAT(text, HasSubstr("orders sent      100 in 2.0 s (50.0/s)"));
  EXPECT_THAT(text, HasSubstr("none 1 201 98 409 1"));
  EXPECT_THAT(text, HasSubstr("p50 50.0 ms  p90 90.0 ms  p99 99.0 ms  max 100.0 ms"));
  EXPECT_THAT(text, HasSubstr("90 completed, 8 compensated, 0 failed (need attention), 0 unfinished"));
}

TEST(LoadReportTest, DrawsProgress) {
  EXPECT_EQ(progress_bar(15, 30, 3000, 10), "[#####.....]  15.0 s / 30 s  3000 sent  200.0/s");
  EXPECT_EQ(progress_bar(40, 30, 0, 4), "[####]  30.0 s / 30 s  0 sent  0.0/s");
}

}  // namespace
}  // namespace sluice::load
