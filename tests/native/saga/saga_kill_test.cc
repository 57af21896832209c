// The orchestrator process is killed with SIGKILL at every point where it writes to its
// SQLite saga log (before each append, after each fsynced commit); a new process on the
// same files recovers. Participants keep their effects behind SQLite barriers in their
// own database. Every effect happens exactly once and the saga ends exactly once.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <string>

#include "core/saga/barrier.h"
#include "core/saga/saga_runner.h"
#include "native/saga/sqlite_barrier.h"
#include "native/saga/sqlite_saga_log.h"
#include "tests/core/saga/saga_test_support.h"
#include "tests/native/saga/sqlite_test_dir.h"

namespace sluice::native {
namespace {

using saga::SagaRecord;
using saga::SagaState;

// KillingLog: a SQLite log whose process dies at write point `kill_at` (1-based).
class KillingLog final : public saga::SagaLog {
 public:
  KillingLog(SqliteSagaLog& log, int kill_at) : log_(log), kill_at_(kill_at) {}

  Status append(SagaRecord&& record) override {
    point();  // dies before the record is buffered
    return log_.append(std::move(record));
  }
  Status sync() override {
    Status status = log_.sync();
    point();  // dies after the commit and before any command leaves
    return status;
  }
  Status load(const Visitor& visit) const override { return log_.load(visit); }
  Status erase(std::span<const std::string> ids) override { return log_.erase(ids); }

 private:
  void point() {
    if (++points_ == kill_at_) ::kill(::getpid(), SIGKILL);
  }

  SqliteSagaLog& log_;
  int kill_at_;
  int points_ = 0;
};

struct Files {
  std::string log;
  std::string participants;
};

std::unique_ptr<SqliteBarrier> open_participants(const std::string& path) {
  auto barrier = *SqliteBarrier::open(path);
  SLUICE_CHECK(barrier->db().exec("CREATE TABLE IF NOT EXISTS effects (target TEXT PRIMARY KEY, count INTEGER)").ok());
  return barrier;
}

saga::testing::OrderParticipants::EffectWriter count_in(SqliteBarrier& barrier) {
  return [&barrier](const std::string& target) {
    return barrier.db().exec("INSERT INTO effects VALUES ('" + target +
                             "', 1) ON CONFLICT(target) DO UPDATE SET count = count + 1");
  };
}

std::map<std::string, int> effects(SqliteBarrier& barrier) {
  std::map<std::string, int> out;
  auto select = *barrier.db().prepare("SELECT target, count FROM effects");
  while (*select.step()) out[std::string(select.column_text(0))] = static_cast<int>(select.column_int(1));
  return out;
}

// run_orchestrator: the child process. Exits 0 if the saga finished before kill_at.
[[noreturn]] void run_orchestrator(const Files& files, int kill_at, bool decline_card) {
  auto log = *SqliteSagaLog::open(files.log);
  KillingLog killing(*log, kill_at);
  auto barrier = open_participants(files.participants);
  saga::testing::OrderParticipants participants(*barrier, count_in(*barrier));
  participants.decline_card = decline_card;
  saga::testing::OrchestratorProcess process(participants, killing);
  if (!process.runner.start("CreateOrderSaga", "order-1", {{"userId", "u1"}}).ok()) ::_exit(2);
  process.run_to_quiet();
  ::_exit(saga::is_final(process.runner.find("order-1")->state()) ? 0 : 3);
}

struct KillScenario {
  const char* name;
  bool decline_card;
  SagaState final_state;
  std::map<std::string, int> effects;
};

class SagaKillTest : public ::testing::TestWithParam<KillScenario> {};

TEST_P(SagaKillTest, RecoversFromSigkillAtEveryWritePoint) {
  const KillScenario& scenario = GetParam();
  int kills = 0;
  for (int kill_at = 1; kill_at < 200; ++kill_at) {
    SCOPED_TRACE("killed at write point " + std::to_string(kill_at));
    const Files files{testing::fresh_db_path("log" + std::to_string(kill_at)),
                      testing::fresh_db_path("participants" + std::to_string(kill_at))};
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) run_orchestrator(files, kill_at, scenario.decline_card);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    if (WIFEXITED(status)) {
      ASSERT_EQ(WEXITSTATUS(status), 0) << "the orchestrator stopped without finishing the saga";
      break;  // kill_at lies past the last write: every point has been tried
    }
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    ++kills;

    auto log = *SqliteSagaLog::open(files.log);
    auto barrier = open_participants(files.participants);
    saga::testing::OrderParticipants participants(*barrier, count_in(*barrier));
    participants.decline_card = scenario.decline_card;
    saga::testing::OrchestratorProcess restarted(participants, *log);
    Result<std::size_t> resumed = restarted.runner.recover();
    ASSERT_TRUE(resumed.ok()) << resumed.status().message();
    restarted.run_to_quiet();
    const saga::SagaInstance* order = restarted.runner.find("order-1");
    if (order == nullptr) {
      // Killed before the start was durable: the saga never began, and nothing ran.
      EXPECT_TRUE(effects(*barrier).empty());
      continue;
    }
    EXPECT_EQ(order->state(), scenario.final_state);
    EXPECT_EQ(effects(*barrier), scenario.effects);
    int finals = 0;
    ASSERT_TRUE(
        log->load([&](SagaRecord r) { finals += r.type == saga::RecordType::kStateChanged && saga::is_final(r.state); })
            .ok());
    EXPECT_EQ(finals, 1);
  }
  EXPECT_GT(kills, 8);
}

INSTANTIATE_TEST_SUITE_P(
    OrderSaga, SagaKillTest,
    ::testing::Values(
        KillScenario{
            "completes", false, SagaState::kCompleted, {{"reserveStock", 1}, {"charge", 1}, {"confirmOrder", 1}}},
        KillScenario{"payment_declined", true, SagaState::kCompensated, {{"reserveStock", 1}, {"releaseStock", 1}}}),
    [](const ::testing::TestParamInfo<KillScenario>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace sluice::native
