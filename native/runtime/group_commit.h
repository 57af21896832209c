// group_commit.h: GroupCommit, replies held until what their requests changed is
// durable. Every reply held in one turn of the event loop waits for the same commit
// (one fsync), the way databases group commits; replies while nothing is uncommitted
// go out at once.
//
//   GroupCommit commits(io, {.uncommitted = [&] { return journal.has_uncommitted(); },
//                            .commit = [&] { return journal.commit(); },
//                            .on_failure = [&](const Status& s) { log(s); io.stop(); }});
//   router.wrap([&](Handler h) { return commits.hold(std::move(h)); });
//
// A failed commit drops every held reply (their clients see the connection close and
// retry) and calls on_failure: what is not on disk is never acknowledged. Changes made
// outside requests (a retention expiry) are committed within `idle_commit`.
#ifndef SLUICE_NATIVE_RUNTIME_GROUP_COMMIT_H_
#define SLUICE_NATIVE_RUNTIME_GROUP_COMMIT_H_

#include <asio.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include "core/base/status.h"
#include "native/runtime/router.h"

namespace sluice::native {

class GroupCommit {
 public:
  struct Options {
    std::function<bool()> uncommitted;  // is there anything to commit?
    std::function<Status()> commit;
    std::function<void(const Status&)> on_failure;
    std::chrono::milliseconds idle_commit{1000};
  };

  GroupCommit(asio::io_context& io, Options options);
  GroupCommit(const GroupCommit&) = delete;
  GroupCommit& operator=(const GroupCommit&) = delete;

  // hold: `reply`, sending its response only once every change made so far is durable.
  Responder hold(Responder reply);
  // hold: `handler`, with its replies held.
  Handler hold(Handler handler);

  // commits: commits made so far (each one fsync); replies_held: replies that waited.
  std::uint64_t commits() const { return commits_; }
  std::uint64_t replies_held() const { return replies_held_; }

 private:
  void flush();
  void arm_idle_commit();

  asio::io_context& io_;
  Options options_;
  asio::steady_timer idle_timer_;
  bool flush_posted_ = false;
  bool failed_ = false;
  std::vector<std::pair<Responder, HttpResponse>> held_;
  std::uint64_t commits_ = 0;
  std::uint64_t replies_held_ = 0;
};

}  // namespace sluice::native

#endif  // SLUICE_NATIVE_RUNTIME_GROUP_COMMIT_H_
