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

TEST(LoadReportTest, SummarisesAcceptedAndRefusedAnswersApart) {
  LoadReport report;
  report.seconds = 2;
  report.offered_rate = 100;
  for (int i = 100; i >= 1; --i) report.add_answer(201, i);        // accepted: 1 to 100 ms
  for (int i = 1; i <= 50; ++i) report.add_answer(503, i / 10.0);  // refused: 0.1 to 5 ms
  report.add_answer(409, 7);
  report.add_answer(0, 0);
  report.completed = 90;
  report.compensated = 8;
  report.unfinished = 2;
  const std::string text = report.text();
  EXPECT_THAT(text, HasSubstr("orders sent      152 in 2.0 s (76.0/s)"));
  EXPECT_THAT(text, HasSubstr("none 1 201 100 409 1 503 50"));
  EXPECT_THAT(text, HasSubstr("accepted (2xx)   100    p50 50.0 ms  p90 90.0 ms  p99 99.0 ms  max 100.0 ms"));
  EXPECT_THAT(text, HasSubstr("refused (503)    50     p50 2.5 ms  p90 4.5 ms  p99 5.0 ms  max 5.0 ms"));
  EXPECT_THAT(text, HasSubstr("other answers    1      p50 7.0 ms"));
  EXPECT_THAT(text, HasSubstr("sagas            90 completed, 8 compensated, 0 failed (need attention), 2 unfinished"));
}

TEST(LoadReportTest, PrintsTheWholeSummaryAsOneJsonObject) {
  LoadReport report;
  report.seconds = 20;
  report.offered_rate = 3000;
  report.add_answer(201, 12);
  report.add_answer(201, 30);
  report.add_answer(503, 0.5);
  report.add_answer(429, 1.5);
  report.completed = 1;
  report.compensated = 1;
  const nlohmann::json json = report.json();
  EXPECT_EQ(json["offered_rate"], 3000);
  EXPECT_EQ(json["seconds"], 20);
  EXPECT_EQ(json["sent"], 4);
  EXPECT_EQ(json["statuses"], (nlohmann::json{{"201", 2}, {"429", 1}, {"503", 1}}));
  EXPECT_EQ(json["accepted"],
            (nlohmann::json{{"count", 2}, {"p50_ms", 12.0}, {"p90_ms", 30.0}, {"p99_ms", 30.0}, {"max_ms", 30.0}}));
  EXPECT_EQ(json["refused"]["count"], 2);
  EXPECT_EQ(json["refused"]["p50_ms"], 0.5);
  EXPECT_EQ(json["refused"]["p99_ms"], 1.5);
  EXPECT_EQ(json["other"]["count"], 0);
  EXPECT_EQ(json["unanswered"], 0);
  EXPECT_EQ(json["sagas"],
            (nlohmann::json{{"completed", 1}, {"compensated", 1}, {"failed", 0}, {"unfinished", 0}}));
}

TEST(LoadReportTest, ClassifiesStatuses) {
  EXPECT_EQ(kind_of_status(201), AnswerKind::kAccepted);
  EXPECT_EQ(kind_of_status(200), AnswerKind::kAccepted);
  EXPECT_EQ(kind_of_status(503), AnswerKind::kRefused);
  EXPECT_EQ(kind_of_status(429), AnswerKind::kRefused);
  EXPECT_EQ(kind_of_status(500), AnswerKind::kOther);
  EXPECT_EQ(kind_of_status(409), AnswerKind::kOther);
  EXPECT_EQ(percentile({}, 99), 0);
}

TEST(LoadReportTest, DrawsProgress) {
  EXPECT_EQ(progress_bar(15, 30, 3000, 10), "[#####.....]  15.0 s / 30 s  3000 sent  200.0/s");
  EXPECT_EQ(progress_bar(40, 30, 0, 4), "[####]  30.0 s / 30 s  0 sent  0.0/s");
}

}  // namespace
}  // namespace sluice::load
