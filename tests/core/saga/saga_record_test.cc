#include "core/saga/saga_record.h"

#include <gtest/gtest.h>

namespace sluice::saga {
namespace {

using namespace std::chrono_literals;

TEST(SagaRecordTest, EveryKindOfRecordSurvivesItsTextForm) {
  std::vector<SagaRecord> records = {
      {.type = RecordType::kStarted,
       .saga_id = "o:1",
       .at = time::Instant(5s),
       .definition = "D",
       .data = {{"userId", "u1"}, {"items", {1, 2}}}},
      {.type = RecordType::kAttemptStarted,
       .saga_id = "o:1",
       .step = 2,
       .operation = Operation::kCompensation,
       .attempt = 3},
      {.type = RecordType::kAttemptSucceeded, .saga_id = "o:1", .data = {{"paymentId", "p"}}, .step = 1, .attempt = 1},
      {.type = RecordType::kAttemptFailed,
       .saga_id = "o:1",
       .step = 1,
       .attempt = 2,
       .error_kind = "timeout",
       .error_message = "late \"quoted\"\n",
       .timed_out = true,
       .retry_after = 250ms},
      {.type = RecordType::kAttemptFailed, .saga_id = "o:1", .step = 1, .attempt = 3, .error_kind = "declined"},
      {.type = RecordType::kStateChanged, .saga_id = "o:1", .state = SagaState::kFailedNeedsAttention, .reason = "why"},
  };
  for (const SagaRecord& record : records) {
    const std::string text = encode_record(record);
    EXPECT_EQ(text.find('\n'), std::string::npos);
    Result<SagaRecord> back = decode_record(text);
    ASSERT_TRUE(back.ok()) << back.status().message() << " in " << text;
    EXPECT_EQ(encode_record(*back), text);
    EXPECT_EQ(back->type, record.type);
    EXPECT_EQ(back->at, record.at);
    EXPECT_EQ(back->retry_after, record.retry_after);
    EXPECT_EQ(back->state, record.state);
  }
}

TEST(SagaRecordTest, ForeignTextIsEscapedAndInvalidUtf8Replaced) {
  SagaRecord failed{.type = RecordType::kAttemptFailed, .saga_id = "o\"1\\", .step = 0, .attempt = 1};
  failed.error_kind = "x";
  failed.error_message = "tab\there \xff\xfe end";
  Result<SagaRecord> back = decode_record(encode_record(failed));
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->saga_id, "o\"1\\");
  EXPECT_EQ(back->error_message, "tab\there \xef\xbf\xbd\xef\xbf\xbd end");  // U+FFFD twice
}

TEST(SagaRecordTest, BadTextIsAnErrorNamingWhatIsWrong) {
  auto error = [](std::string_view text) { return decode_record(text).status().message(); };
  EXPECT_NE(error("{").find("malformed JSON"), std::string::npos);
  EXPECT_EQ(error("[]"), "saga record: must be a JSON object");
  EXPECT_EQ(error(R"({"saga": "a", "at": 0})"), "saga record: \"type\" is missing");
  EXPECT_EQ(error(R"({"type": "exploded", "saga": "a", "at": 0})"),
            "saga record: \"type\" has an unknown value \"exploded\"");
  EXPECT_EQ(error(R"({"type": "started", "saga": "", "at": 0, "definition": "D"})"),
            "saga record: \"saga\" must not be empty");
  EXPECT_EQ(
      error(R"({"type": "attempt_started", "saga": "a", "at": 0, "step": -1, "operation": "action", "attempt": 1})"),
      "saga record: \"step\" is out of range");
  EXPECT_EQ(
      error(R"({"type": "attempt_started", "saga": "a", "at": 0, "step": 0, "operation": "action", "attempt": 0})"),
      "saga record: \"attempt\" is out of range");
  EXPECT_EQ(
      error(R"({"type": "attempt_started", "saga": "a", "at": 1e3, "step": 0, "operation": "action", "attempt": 1})"),
      "saga record: \"at\" must be an integer");
  EXPECT_EQ(error(R"({"type": "state_changed", "saga": "a", "at": 0, "state": "DONE"})"),
            "saga record: \"state\" has an unknown value \"DONE\"");
  EXPECT_EQ(
      error(
          R"({"type": "attempt_succeeded", "saga": "a", "at": 0, "step": 0, "operation": "action", "attempt": 1, "data": 3})"),
      "saga record: \"data\" must be an object");
  EXPECT_EQ(
      error(
          R"({"type": "attempt_failed", "saga": "a", "at": 0, "step": 0, "operation": "action", "attempt": 1, "error_kind": "x", "retry_after_ns": 18446744073709551615})"),
      "saga record: \"retry_after_ns\" is out of range");
}

TEST(SagaRecordTest, NamesAreTheOnesTheIssueAndLogsUse) {
  EXPECT_EQ(saga_state_name(SagaState::kFailedNeedsAttention), "FAILED_NEEDS_ATTENTION");
  EXPECT_EQ(saga_state_name(SagaState::kCompensating), "COMPENSATING");
  EXPECT_EQ(operation_name(Operation::kCompensation), "compensation");
}

}  // namespace
}  // namespace sluice::saga
