#include "core/broker/standard_queue.h"

#include <algorithm>
#include <array>
#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "core/base/check.h"
#include "core/base/duration_text.h"
#include "core/broker/sqs_rules.h"

namespace sluice::broker {
namespace {

Status parameter_error(const std::string& message, std::string_view reason = sqs_error::kInvalidParameterValue) {
  return Status::invalid_argument(message, reason);
}

}  // namespace

StandardQueue::StandardQueue(std::string name, QueueConfig config, time::Scheduler& scheduler, time::Prng prng,
                             observe::EventSink* events)
    : name_(std::move(name)),
      config_(std::move(config)),
      scheduler_(scheduler),
      prng_(prng),
      events_(events),
      tag_(prng_.next_u64()),
      waiters_(scheduler, config_.max_waiting_receives),
      wake_timer_(scheduler) {
  SLUICE_CHECK(config_.validate().ok());
  SLUICE_CHECK(!config_.fifo);
  SLUICE_CHECK(validate_queue_name(name_, false).ok());
}

StandardQueue::~StandardQueue() = default;

bool StandardQueue::is_live(const internal::DueHeap::Entry& entry) const {
  const auto it = messages_.find(entry.seq);
  return it != messages_.end() && it->second.version == entry.version;
}

Result<std::string> StandardQueue::send(SendRequest request) {
  advance();
  if (Status status = validate_send(request.body, request.attributes, config_.max_message_bytes); !status.ok()) {
    return status;
  }
  const time::Duration delay = request.delay.value_or(config_.delay);
  if (delay < time::Duration::zero() || delay > std::chrono::minutes(15)) {
    return parameter_error("DelaySeconds must be from 0 to 900; got " + format_duration(delay));
  }
  if (messages_.size() >= config_.max_messages) {
    return Status(StatusCode::kResourceExhausted,
                  "queue " + name_ + " holds its maximum of " + std::to_string(config_.max_messages) + " messages",
                  sqs_error::kOverLimit);
  }
  Stored message;
  message.id = make_message_id(prng_);
  message.body = std::move(request.body);
  message.attributes = std::move(request.attributes);
  message.sent_at = scheduler_.now();
  std::string id = message.id;
  store(std::move(message), delay);
  ++counters_.sent;
  report("queue.sent", id);
  serve_waiters();
  rearm();
  return id;
}

std::uint64_t StandardQueue::store(Stored message, time::Duration delay) {
  const std::uint64_t seq = ++last_seq_;
  const time::Instant expires = message.sent_at + config_.retention;
  Stored& stored = messages_.emplace(seq, std::move(message)).first->second;
  expiring_.push(expires, seq, 0);
  if (delay > time::Duration::zero()) {
    stored.state = State::kDelayed;
    ++delayed_;
    schedule_visible(seq, stored, scheduler_.now() + delay);
  } else {
    stored.state = State::kVisible;
    ++visible_count_;
    visible_.push_back(seq);
  }
  return seq;
}

void StandardQueue::schedule_visible(std::uint64_t seq, Stored& message, time::Instant at) {
  ++message.version;
  becoming_visible_.push(at, seq, message.version);
}

void StandardQueue::make_visible(std::uint64_t seq, Stored& message) {
  if (message.state == State::kInFlight) --in_flight_;
  if (message.state == State::kDelayed) --delayed_;
  if (message.state != State::kVisible) ++visible_count_;
  if (message.state == State::kInFlight) report("queue.visible_again", message.id);
  message.state = State::kVisible;
  ++message.version;  // any heap entry for it is now stale
  visible_.push_back(seq);
}

void StandardQueue::advance() {
  const time::Instant now = scheduler_.now();
  expiring_.pop_due(now, [this](const internal::DueHeap::Entry& due) {
    if (!messages_.contains(due.seq)) return;
    ++counters_.expired;
    erase(due.seq, "queue.expired");
  });
  becoming_visible_.pop_due(now, [this](const internal::DueHeap::Entry& due) {
    if (is_live(due)) make_visible(due.seq, messages_.at(due.seq));
  });
  // Stale entries are bounded by the live messages: at most one live entry each.
  const std::size_t bound = 2 * messages_.size() + 1024;
  if (visible_.size() > bound) {
    std::erase_if(visible_, [this](std::uint64_t seq) {
      const auto it = messages_.find(seq);
      return it == messages_.end() || it->second.state != State::kVisible;
    });
  }
  becoming_visible_.compact(bound, [this](const internal::DueHeap::Entry& e) { return is_live(e); });
  expiring_.compact(bound, [this](const internal::DueHeap::Entry& e) { return messages_.contains(e.seq); });
}

void StandardQueue::erase(std::uint64_t seq, std::string_view event) {
  const auto it = messages_.find(seq);
  if (it == messages_.end()) return;
  switch (it->second.state) {
    case State::kVisible:
      --visible_count_;
      break;
    case State::kInFlight:
      --in_flight_;
      break;
    case State::kDelayed:
      --delayed_;
      break;
  }
  if (!event.empty()) report(event, it->second.id);
  messages_.erase(it);  // its deque and heap entries are now stale
}

std::vector<ReceivedMessage> StandardQueue::take_visible(const ReceiveRequest& request, Status& error) {
  std::vector<ReceivedMessage> batch;
  const time::Instant now = scheduler_.now();
  const time::Duration visibility = request.visibility_timeout.value_or(config_.visibility_timeout);
  while (batch.size() < request.max_messages && !visible_.empty()) {
    const std::uint64_t seq = visible_.front();
    const auto it = messages_.find(seq);
    if (it == messages_.end() || it->second.state != State::kVisible) {
      visible_.pop_front();  // stale
      continue;
    }
    Stored& message = it->second;
    if (config_.redrive && message.receive_count >= config_.redrive->max_receive_count && dead_letter_ != nullptr) {
      visible_.pop_front();
      Stored moving = std::move(message);
      erase(seq, {});
      ++counters_.dead_lettered;
      report("queue.dead_lettered", moving.id);
      dead_letter_->accept_dead_letter(std::move(moving));
      continue;
    }
    if (in_flight_ >= config_.max_in_flight) {
      if (batch.empty()) {
        error = Status(
            StatusCode::kResourceExhausted,
            "queue " + name_ + " has its maximum of " + std::to_string(config_.max_in_flight) + " messages in flight",
            sqs_error::kOverLimit);
      }
      break;
    }
    visible_.pop_front();
    --visible_count_;
    ++in_flight_;
    message.state = State::kInFlight;
    ++message.receive_count;
    if (message.receive_count == 1) message.first_received_at = now;
    ++message.epoch;
    message.nonce = prng_.next_u64();
    schedule_visible(seq, message, now + visibility);
    ++counters_.delivered;
    report("queue.delivered", message.id);
    batch.push_back(ReceivedMessage{message.id, ReceiptHandle{seq, message.epoch, message.nonce}.format(tag_),
                                    message.body, message.attributes, message.receive_count, message.sent_at,
                                    message.first_received_at});
  }
  return batch;
}

Result<std::vector<ReceivedMessage>> StandardQueue::receive_now(const ReceiveRequest& request) {
  if (Status status = validate_receive(request); !status.ok()) return status;
  advance();
  Status error;
  std::vector<ReceivedMessage> batch = take_visible(request, error);
  rearm();
  if (!error.ok()) return error;
  return batch;
}

void StandardQueue::receive(const ReceiveRequest& request, ReceiveCallback done) {
  waiters_.receive(
      request, config_.receive_wait, [this](const ReceiveRequest& r) { return receive_now(r); }, std::move(done),
      name_);
}

void StandardQueue::serve_waiters() {
  waiters_.serve([this] { return visible_count_ > 0; },
                 [this](const ReceiveRequest& request, Status& error) { return take_visible(request, error); });
}

void StandardQueue::rearm() {
  std::optional<time::Instant> next = becoming_visible_.earliest([this](const auto& e) { return is_live(e); });
  const std::optional<time::Instant> expiry =
      expiring_.earliest([this](const auto& e) { return messages_.contains(e.seq); });
  if (expiry && (!next || *expiry < *next)) next = expiry;
  wake_timer_.arm(next, [this] {
    advance();
    serve_waiters();
    rearm();
  });
}

Result<DeleteResult> StandardQueue::delete_message(std::string_view receipt_handle) {
  const std::optional<ReceiptHandle> handle = ReceiptHandle::parse(receipt_handle, tag_);
  if (!handle) return invalid_handle(receipt_handle, name_);
  advance();
  const auto it = messages_.find(handle->seq);
  DeleteResult result = DeleteResult::kAlreadyDeleted;
  if (it != messages_.end()) {
    const Stored& message = it->second;
    if (message.epoch != handle->epoch || message.nonce != handle->nonce) {
      result = DeleteResult::kStaleHandle;
    } else {
      ++counters_.deleted;
      erase(handle->seq, "queue.deleted");
      result = DeleteResult::kDeleted;
    }
  }
  rearm();
  return result;
}

Status StandardQueue::change_visibility(std::string_view receipt_handle, time::Duration timeout) {
  if (Status status = validate_visibility_timeout(timeout); !status.ok()) return status;
  const std::optional<ReceiptHandle> handle = ReceiptHandle::parse(receipt_handle, tag_);
  if (!handle) return invalid_handle(receipt_handle, name_);
  advance();
  const auto it = messages_.find(handle->seq);
  if (it == messages_.end() || it->second.epoch != handle->epoch || it->second.nonce != handle->nonce ||
      it->second.state != State::kInFlight) {
    return Status(StatusCode::kFailedPrecondition,
                  "the message of this receipt handle is not in flight (deleted, visible again, or received since)",
                  sqs_error::kMessageNotInflight);
  }
  if (timeout == time::Duration::zero()) {
    make_visible(handle->seq, it->second);
    serve_waiters();
  } else {
    schedule_visible(handle->seq, it->second, scheduler_.now() + timeout);
  }
  rearm();
  return Status();
}

void StandardQueue::purge() {
  const std::uint64_t count = messages_.size();
  messages_.clear();
  visible_.clear();
  becoming_visible_.clear();
  expiring_.clear();
  visible_count_ = in_flight_ = delayed_ = 0;
  wake_timer_.cancel();
  rearm();
  if (events_ != nullptr) {
    const observe::Attribute attribute{"messages", static_cast<std::int64_t>(count)};
    events_->on_event(observe::Event{"queue.purged", name_, scheduler_.now(), {}, {&attribute, 1}});
  }
}

void StandardQueue::set_dead_letter_queue(StandardQueue* dead_letter) {
  SLUICE_CHECK(config_.redrive.has_value() && dead_letter != this);
  dead_letter_ = dead_letter;
}

void StandardQueue::accept_dead_letter(Stored message) {
  advance();
  message.receive_count = 0;
  message.epoch = 0;
  message.version = 0;
  store(std::move(message), time::Duration::zero());
  serve_waiters();
  rearm();
}

std::size_t StandardQueue::redrive_to(StandardQueue& target, std::size_t max_messages) {
  advance();
  std::size_t moved = 0;
  while (moved < max_messages && !visible_.empty()) {
    const std::uint64_t seq = visible_.front();
    visible_.pop_front();
    const auto it = messages_.find(seq);
    if (it == messages_.end() || it->second.state != State::kVisible) continue;
    Stored message = std::move(it->second);
    erase(seq, {});
    target.accept_dead_letter(std::move(message));
    ++moved;
  }
  rearm();
  return moved;
}

QueueStats StandardQueue::stats() const {
  QueueStats stats = counters_;
  stats.visible = visible_count_;
  stats.in_flight = in_flight_;
  stats.delayed = delayed_;
  stats.waiting_receives = waiters_.size();
  return stats;
}

void StandardQueue::report(std::string_view what, const std::string& message_id) {
  if (events_ == nullptr) return;
  const observe::Attribute attribute{"message_id", std::string_view(message_id)};
  events_->on_event(observe::Event{what, name_, scheduler_.now(), {}, {&attribute, 1}});
}

}  // namespace sluice::broker
