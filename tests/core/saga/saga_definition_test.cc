#include "core/saga/saga_definition.h"

#include <gtest/gtest.h>

#include "tests/core/saga/saga_test_support.h"

namespace sluice::saga {
namespace {

using nlohmann::json;

std::string error_of(const SagaDefinition& d) { return d.validate().message(); }

TEST(SagaDefinitionTest, TheArticlesSagaIsValidWithOneStagePerStep) {
  SagaDefinition d = testing::create_order_saga();
  ASSERT_TRUE(d.validate().ok());
  ASSERT_EQ(d.stages().size(), 3u);
  EXPECT_EQ(d.stages()[2].first, 2u);
  EXPECT_EQ(d.find_step("charge_payment"), 1);
  EXPECT_EQ(d.find_step("nope"), -1);
}

TEST(SagaDefinitionTest, AdjacentStepsOfAGroupFormOneStage) {
  SagaDefinition d = testing::create_order_saga();
  d.steps[0].parallel_group = "prepare";
  d.steps[1].parallel_group = "prepare";
  ASSERT_TRUE(d.validate().ok());
  ASSERT_EQ(d.stages().size(), 2u);
  EXPECT_EQ(d.stages()[0].count, 2u);
}

TEST(SagaDefinitionTest, RejectsDefinitionsThatCannotRunAsWritten) {
  SagaDefinition d = testing::create_order_saga();
  d.steps[1].name = "reserve_stock";
  EXPECT_NE(error_of(d).find("name is used by an earlier step"), std::string::npos);

  d = testing::create_order_saga();
  d.steps[0].kind = StepKind::kRetriable;
  d.steps[0].compensation.clear();
  EXPECT_NE(error_of(d).find("compensatable step cannot follow a retriable step"), std::string::npos);

  d = testing::create_order_saga();
  d.steps[1].kind = StepKind::kPivot;
  d.steps[1].compensation.clear();
  EXPECT_NE(error_of(d).find("at most one pivot"), std::string::npos);

  d = testing::create_order_saga();
  d.steps[2].compensation = "cancelOrder";
  EXPECT_NE(error_of(d).find("pivot steps are never undone"), std::string::npos);

  d = testing::create_order_saga();
  d.steps[1].parallel_group = "g";
  d.steps[2].parallel_group = "g";
  EXPECT_NE(error_of(d).find("never the pivot"), std::string::npos);

  d = testing::create_order_saga();
  d.steps[0].parallel_group = "g";
  d.steps[2].parallel_group = "g";
  d.steps[2].kind = StepKind::kCompensatable;
  EXPECT_NE(error_of(d).find("adjacent"), std::string::npos);

  d = testing::create_order_saga();
  d.steps[0].name = "a:b";
  EXPECT_NE(error_of(d).find("':'"), std::string::npos);

  d = testing::create_order_saga();
  d.steps[0].retry.multiplier = 0.5;
  EXPECT_NE(error_of(d).find("retry: multiplier must be at least 1"), std::string::npos);

  d = testing::create_order_saga();
  d.steps[0].action.clear();
  EXPECT_NE(error_of(d).find("action must not be empty"), std::string::npos);

  EXPECT_NE(error_of(SagaDefinition{.name = "Empty"}).find("at least one step"), std::string::npos);
}

TEST(SagaDefinitionTest, ReadsJsonWithEveryField) {
  Result<SagaDefinition> d = saga_definition_from_json(json::parse(R"({
    "name": "CreateOrderSaga",
    "steps": [
      {"name": "reserve_stock", "action": "reserveStock", "compensation": "releaseStock", "timeout": "2s",
       "retry": {"max_attempts": 5, "initial_backoff": "50ms", "jitter": "equal",
                 "non_retryable_errors": ["out_of_stock"]},
       "compensation_retry": {"max_attempts": 0}},
      {"name": "charge", "action": "charge", "kind": "pivot"},
      {"name": "email", "action": "email", "kind": "retriable", "parallel_group": "after"},
      {"name": "sms", "action": "sms", "kind": "retriable", "parallel_group": "after"}
    ]})"));
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ(d->steps[0].timeout, std::chrono::seconds(2));
  EXPECT_EQ(d->steps[0].retry.max_attempts, 5u);
  EXPECT_EQ(d->steps[0].retry.jitter, resilience::Jitter::kEqual);
  EXPECT_TRUE(d->steps[0].retry.is_non_retryable("out_of_stock"));
  EXPECT_EQ(d->steps[0].compensation_retry.max_attempts, 0u);
  EXPECT_EQ(d->steps[1].kind, StepKind::kPivot);
  EXPECT_EQ(d->stages().size(), 3u);
}

TEST(SagaDefinitionTest, JsonErrorsNameTheField) {
  auto error = [](const char* text) { return saga_definition_from_json(json::parse(text)).status().message(); };
  EXPECT_EQ(error(R"({"name": "x"})"), "saga: \"steps\" must be a list of steps");
  EXPECT_EQ(error(R"({"name": "x", "steps": [{"name": "a", "action": "b", "kind": "final"}]})"),
            "saga.steps[0].kind must be one of \"compensatable\", \"pivot\", \"retriable\"; got \"final\"");
  EXPECT_EQ(error(R"({"name": "x", "steps": [{"name": "a", "action": "b", "retry": {"max_attemps": 2}}]})"),
            "saga.steps[0].retry: unknown field \"max_attemps\"");
  EXPECT_NE(error(R"({"name": "x", "steps": [{"name": "a", "action": "b", "retry": {"non_retryable_errors": [1]}}]})")
                .find("non_retryable_errors"),
            std::string::npos);
  EXPECT_NE(error(R"({"name": "x", "steps": [{"name": "a"}]})").find("action must not be empty"), std::string::npos);
  EXPECT_NE(error(R"([1])").find("must be a JSON object"), std::string::npos);
}

}  // namespace
}  // namespace sluice::saga
