#include "native/runtime/group_commit.h"

namespace sluice::native {

GroupCommit::GroupCommit(asio::io_context& io, Options options)
    : io_(io), options_(std::move(options)), idle_timer_(io) {
  arm_idle_commit();
}

Responder GroupCommit::hold(Responder reply) {
  return [this, reply = std::move(reply)](HttpResponse response) {
    if (failed_) return;  // nothing is acknowledged after a failed commit
    if (!options_.uncommitted()) return reply(std::move(response));
    ++replies_held_;
    held_.emplace_back(reply, std::move(response));
    if (flush_posted_) return;
    // Posted behind every completion already queued: the requests read in this turn
    // share the commit.
    flush_posted_ = true;
    asio::post(io_, [this] { flush(); });
  };
}

Handler GroupCommit::hold(Handler handler) {
  return [this, handler = std::move(handler)](const HttpRequest& request, const PathParams& params, Responder reply) {
    handler(request, params, hold(std::move(reply)));
  };
}

void GroupCommit::flush() {
  flush_posted_ = false;
  if (failed_) return;
  if (options_.uncommitted()) {
    const Status status = options_.commit();
    ++commits_;
    if (!status.ok()) {
      failed_ = true;
      held_.clear();
      idle_timer_.cancel();
      options_.on_failure(status);
      return;
    }
  }
  std::vector<std::pair<Responder, HttpResponse>> ready = std::move(held_);
  held_.clear();
  for (auto& [reply, response] : ready) reply(std::move(response));
}

void GroupCommit::arm_idle_commit() {
  idle_timer_.expires_after(options_.idle_commit);
  idle_timer_.async_wait([this](const asio::error_code& error) {
    if (error || failed_) return;
    flush();
    arm_idle_commit();
  });
}

}  // namespace sluice::native
