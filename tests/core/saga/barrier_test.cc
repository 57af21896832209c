#include "core/saga/barrier.h"

#include <gtest/gtest.h>

#include <memory>

#include "tests/core/saga/barrier_conformance.h"

namespace sluice::saga {
namespace {

using testing::BarrierConformance;

INSTANTIATE_TEST_SUITE_P(InMemory, BarrierConformance,
                         ::testing::Values(testing::BarrierBackend{
                             .name = "in_memory",
                             .open = [] { return std::make_shared<InMemoryBarrier>(); },
                             .another_connection = [](const std::shared_ptr<BarrierStore>& same) { return same; }}));

TEST(InMemoryBarrierTest, AFailedBusinessCallLeavesNoRows) {
  InMemoryBarrier barrier;
  Result<BarrierResult> failed = run_barrier(barrier, {"o", "s"}, Operation::kAction,
                                             []() -> Result<std::string> { return Status::invalid_argument("no"); });
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(barrier.rows(), 0u);
}

TEST(IdempotencyKeyTest, SplitsFromTheRightSoSagaIdsMayHoldColons) {
  Result<ParsedIdempotencyKey> key = parse_idempotency_key("tenant:order-1:charge_payment:compensation");
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(key->saga_id, "tenant:order-1");
  EXPECT_EQ(key->step, "charge_payment");
  EXPECT_EQ(key->operation, Operation::kCompensation);
  for (const char* bad : {"", "a", "a:b", ":b:action", "a::action", "a:b:undo", "a:b:"}) {
    EXPECT_FALSE(parse_idempotency_key(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace sluice::saga
