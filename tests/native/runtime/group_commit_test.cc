#include "native/runtime/group_commit.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sluice::native {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// A fake store: `dirty` until committed; commits fail once `broken`.
class GroupCommitTest : public ::testing::Test {
 protected:
  GroupCommit& make(std::chrono::milliseconds idle_commit = std::chrono::hours(1)) {
    commits_.emplace(io_,
                     GroupCommit::Options{.uncommitted = [this] { return dirty_; },
                                          .commit =
                                              [this] {
                                                ++fsyncs_;
                                                if (broken_) return Status(StatusCode::kUnavailable, "disk full");
                                                dirty_ = false;
                                                return Status();
                                              },
                                          .on_failure = [this](const Status& s) { failures_.push_back(s.message()); },
                                          .idle_commit = idle_commit});
    return *commits_;
  }

  // A reply that records its body when it is sent.
  Responder recorder() {
    return [this](HttpResponse response) { sent_.push_back(response.body); };
  }

  asio::io_context io_;
  std::optional<GroupCommit> commits_;
  bool dirty_ = false;
  bool broken_ = false;
  int fsyncs_ = 0;
  std::vector<std::string> sent_;
  std::vector<std::string> failures_;
};

HttpResponse text(std::string body) {
  HttpResponse response;
  response.body = std::move(body);
  return response;
}

TEST_F(GroupCommitTest, WithNothingUncommittedARepliesGoesOutAtOnce) {
  GroupCommit& commits = make();
  commits.hold(recorder())(text("a"));
  EXPECT_THAT(sent_, ElementsAre("a"));
  EXPECT_EQ(fsyncs_, 0);
}

TEST_F(GroupCommitTest, RepliesOfOneTurnWaitForOneSharedCommit) {
  GroupCommit& commits = make();
  dirty_ = true;  // the requests changed something
  for (const char* body : {"a", "b", "c"}) commits.hold(recorder())(text(body));
  EXPECT_THAT(sent_, IsEmpty());  // nothing acknowledged before the commit
  io_.poll();
  EXPECT_EQ(fsyncs_, 1);
  EXPECT_THAT(sent_, ElementsAre("a", "b", "c"));
  EXPECT_EQ(commits.replies_held(), 3u);
}

TEST_F(GroupCommitTest, AFailedCommitAcknowledgesNothingThenOrLater) {
  GroupCommit& commits = make();
  dirty_ = true;
  broken_ = true;
  commits.hold(recorder())(text("a"));
  io_.poll();
  EXPECT_THAT(failures_, ElementsAre("disk full"));
  dirty_ = false;
  commits.hold(recorder())(text("b"));  // even with nothing new to commit
  io_.poll();
  EXPECT_THAT(sent_, IsEmpty());
  EXPECT_EQ(failures_.size(), 1u);
}

TEST_F(GroupCommitTest, ChangesMadeOutsideRequestsAreCommittedWhenIdle) {
  make(std::chrono::milliseconds(1));
  dirty_ = true;  // e.g. a retention expiry
  io_.run_one();  // the idle timer
  EXPECT_EQ(fsyncs_, 1);
  EXPECT_FALSE(dirty_);
}

TEST_F(GroupCommitTest, HeldHandlersPassRequestsThroughAndHoldTheirReplies) {
  GroupCommit& commits = make();
  Handler handler = commits.hold([this](const HttpRequest& request, const PathParams&, Responder reply) {
    dirty_ = true;
    reply(text("saw " + request.target));
  });
  HttpRequest request;
  request.target = "/x";
  handler(request, {}, recorder());
  EXPECT_THAT(sent_, IsEmpty());
  io_.poll();
  EXPECT_THAT(sent_, ElementsAre("saw /x"));
}

}  // namespace
}  // namespace sluice::native
