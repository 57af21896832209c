#include "core/broker/standard_queue.h"

#include <algorithm>

#include "core/base/check.h"
#include "core/base/duration_text.h"
#include "core/broker/sqs_rules.h"

namespace sluice::broker {

StandardQueue::StandardQueue(std::string name, QueueConfig config, time::Scheduler& scheduler, time::Prng prng,
                             observe::EventSink* events)
    : SqsQueueBase(std::move(name), std::move(config), scheduler, prng, events) {
  SLUICE_CHECK(config_.validate().ok());
  SLUICE_CHECK(!config_.fifo);
  SLUICE_CHECK(validate_queue_name(name_, false).ok());
}

StandardQueue::~StandardQueue() = default;

Result<std::string> StandardQueue::send(SendRequest request) {
  advance();
  SLUICE_RETURN_IF_ERROR(validate_send(request.body, request.attributes, config_.max_message_bytes));
  const time::Duration delay = request.delay.value_or(config_.delay);
  if (delay < time::Duration::zero() || delay > std::chrono::minutes(15)) {
    return Status::invalid_argument("DelaySeconds must be from 0 to 900; got " + format_duration(delay),
                                    sqs_error::kInvalidParameterValue);
  }
  if (messages_.size() >= config_.max_messages) return over_limit("holds", config_.max_messages, "messages");
  Stored message;
  message.id = make_message_id(prng_);
  message.body = std::move(request.body);
  message.attributes = attributes_of(std::move(request.attributes));
  message.sent_at = scheduler_.now();
  const MessageId id = message.id;
  const std::uint64_t seq = store(std::move(message), delay);
  ++counters_.sent;
  report("queue.sent", id);
  if (journal_ != nullptr) journal_stored(messages_.at(seq), messages_.at(seq).sent_at + delay);
  serve_waiters();
  rearm();
  return id.text();
}

std::uint64_t StandardQueue::store(Stored message, time::Duration delay) {
  const std::uint64_t seq = ++last_seq_;
  expiring_.push(message.sent_at + config_.retention, seq, 0);
  Stored& stored = messages_.emplace(seq, std::move(message)).first->second;
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

void StandardQueue::become_visible(std::uint64_t seq, Stored& message) {
  if (message.state == State::kInFlight) {
    --in_flight_;
    report("queue.visible_again", message.id);
  }
  if (message.state == State::kDelayed) --delayed_;
  if (message.state != State::kVisible) ++visible_count_;
  message.state = State::kVisible;
  ++message.version;  // any due-time entry for it is now stale
  visible_.push_back(seq);
}

void StandardQueue::advance_more(time::Instant /*now*/) {
  if (visible_.size() > 2 * messages_.size() + 1024) {
    std::erase_if(visible_, [this](std::uint64_t seq) {
      const auto it = messages_.find(seq);
      return it == messages_.end() || it->second.state != State::kVisible;
    });
  }
}

StandardQueue::Stored StandardQueue::remove(std::uint64_t seq, std::string_view event) {
  auto node = messages_.extract(seq);
  SLUICE_CHECK(!node.empty());
  Stored& message = node.mapped();
  switch (message.state) {
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
  if (!event.empty()) report(event, message.id);
  journal_removed(message.id);
  return std::move(message);  // its deque and heap entries are now stale
}

std::vector<ReceivedMessage> StandardQueue::take(const ReceiveRequest& request, Status& error) {
  std::vector<ReceivedMessage> batch;
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
      Stored moving = remove(seq, {});
      ++counters_.dead_lettered;
      report("queue.dead_lettered", moving.id);
      dead_letter_->accept_dead_letter(std::move(moving));
      continue;
    }
    if (in_flight_ >= config_.max_in_flight) {
      if (batch.empty()) error = over_limit("has", config_.max_in_flight, "messages in flight");
      break;
    }
    visible_.pop_front();
    deliver_in_flight(seq, message, visibility);
    batch.push_back(as_received(seq, message));
  }
  return batch;
}

void StandardQueue::serve_waiters() {
  waiters_.serve([this] { return visible_count_ > 0; },
                 [this](const ReceiveRequest& request, Status& error) { return take(request, error); });
}

void StandardQueue::accept_dead_letter(Stored message) {
  advance();
  forget_receipts(message);
  const std::uint64_t seq = store(std::move(message), time::Duration::zero());
  if (journal_ != nullptr) journal_stored(messages_.at(seq), scheduler_.now());
  serve_waiters();
  rearm();
}

Status StandardQueue::restore(const JournaledMessage& record) {
  advance();
  Result<std::pair<Stored, time::Duration>> message = restored(record);
  if (!message.ok()) return message.status();
  auto [stored, delay] = *std::move(message);
  store(std::move(stored), delay);
  serve_waiters();
  rearm();
  return Status();
}

std::size_t StandardQueue::redrive_to(StandardQueue& target, std::size_t max_messages) {
  advance();
  std::size_t moved = 0;
  while (moved < max_messages && !visible_.empty()) {
    const std::uint64_t seq = visible_.front();
    visible_.pop_front();
    const auto it = messages_.find(seq);
    if (it == messages_.end() || it->second.state != State::kVisible) continue;
    target.accept_dead_letter(remove(seq, {}));
    ++moved;
  }
  rearm();
  return moved;
}

}  // namespace sluice::broker
