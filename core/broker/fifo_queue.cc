#include "core/broker/fifo_queue.h"

#include <algorithm>

#include "core/base/check.h"
#include "core/base/duration_text.h"
#include "core/broker/sqs_rules.h"

namespace sluice::broker {
namespace {

Status parameter_error(const std::string& message, std::string_view reason = sqs_error::kInvalidParameterValue) {
  return Status::invalid_argument(message, reason);
}

std::string hex_of(const std::array<std::uint8_t, 32>& bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text;
  for (std::uint8_t byte : bytes) {
    text.push_back(kHex[byte >> 4]);
    text.push_back(kHex[byte & 0xf]);
  }
  return text;
}

}  // namespace

FifoQueue::FifoQueue(std::string name, QueueConfig config, time::Scheduler& scheduler, time::Prng prng,
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
  SLUICE_CHECK(config_.fifo);
  SLUICE_CHECK(validate_queue_name(name_, true).ok());
}

FifoQueue::~FifoQueue() = default;

std::string FifoQueue::format_sequence(std::uint64_t sequence) {
  std::string digits = std::to_string(sequence);
  return std::string(20 - std::min<std::size_t>(20, digits.size()), '0') + digits;
}

bool FifoQueue::is_live(const internal::DueHeap::Entry& entry) const {
  const auto it = messages_.find(entry.seq);
  return it != messages_.end() && it->second.version == entry.version;
}

Status FifoQueue::validate_fifo_send(const FifoSendRequest& request) const {
  if (Status status = validate_send(request.body, request.attributes, config_.max_message_bytes); !status.ok()) {
    return status;
  }
  if (Status status = validate_fifo_id("MessageGroupId", request.group_id); !status.ok()) return status;
  if (!request.deduplication_id.empty()) {
    if (Status status = validate_fifo_id("MessageDeduplicationId", request.deduplication_id); !status.ok()) {
      return status;
    }
  }
  if (request.delay) {
    return parameter_error("DelaySeconds cannot be set per message on a FIFO queue; set the queue's DelaySeconds");
  }
  return Status();
}

std::optional<std::string> FifoQueue::deduplication_key(const FifoSendRequest& request) const {
  if (!request.deduplication_id.empty()) return request.deduplication_id;
  if (config_.content_based_deduplication && request.content_sha256) return "sha256:" + hex_of(*request.content_sha256);
  return std::nullopt;
}

Result<FifoSendResult> FifoQueue::send(FifoSendRequest request) {
  advance();
  if (Status status = validate_fifo_send(request); !status.ok()) return status;
  const std::optional<std::string> key = deduplication_key(request);
  if (!key) {
    return parameter_error(config_.content_based_deduplication
                               ? "content-based deduplication needs the body's SHA-256 (content_sha256) or a "
                                 "MessageDeduplicationId"
                               : "the queue should either have ContentBasedDeduplication enabled or "
                                 "MessageDeduplicationId provided explicitly");
  }
  const time::Instant now = scheduler_.now();
  if (const auto seen = deduplication_.find(*key); seen != deduplication_.end() && seen->second.expires > now) {
    report("queue.deduplicated", seen->second.message_id);
    return FifoSendResult{seen->second.message_id, format_sequence(seen->second.sequence), true};
  }
  if (messages_.size() >= config_.max_messages || deduplication_.size() >= config_.max_messages) {
    return Status(StatusCode::kResourceExhausted,
                  "queue " + name_ + " holds its maximum of " + std::to_string(config_.max_messages) + " messages",
                  sqs_error::kOverLimit);
  }
  Stored message;
  message.id = make_message_id(prng_);
  message.body = std::move(request.body);
  message.attributes = std::move(request.attributes);
  message.group_id = std::move(request.group_id);
  message.sequence = ++last_sequence_number_;
  message.sent_at = now;
  FifoSendResult result{message.id, format_sequence(message.sequence), false};
  deduplication_[*key] = Deduplicated{now + kDeduplicationWindow, message.id, message.sequence};
  deduplication_expiry_.emplace_back(now + kDeduplicationWindow, *key);
  store(std::move(message), config_.delay);
  ++counters_.sent;
  report("queue.sent", result.message_id);
  serve_waiters();
  rearm();
  return result;
}

std::uint64_t FifoQueue::store(Stored message, time::Duration delay) {
  const std::uint64_t seq = ++last_seq_;
  expiring_.push(message.sent_at + config_.retention, seq, 0);
  Group& group = groups_[message.group_id];
  group.messages.push_back(seq);
  Stored& stored = messages_.emplace(seq, std::move(message)).first->second;
  if (delay > time::Duration::zero()) {
    stored.state = State::kDelayed;
    ++delayed_;
    ++stored.version;
    becoming_visible_.push(scheduler_.now() + delay, seq, stored.version);
  } else {
    stored.state = State::kVisible;
    ++visible_count_;
    mark_ready_if_so(stored.group_id);
  }
  return seq;
}

bool FifoQueue::is_ready(const Group& group) const {
  return group.in_flight == 0 && !group.messages.empty() &&
         messages_.at(group.messages.front()).state == State::kVisible;
}

void FifoQueue::mark_ready_if_so(const std::string& group_id) {
  const auto it = groups_.find(group_id);
  if (it == groups_.end() || it->second.queued_as_ready || !is_ready(it->second)) return;
  it->second.queued_as_ready = true;
  ready_groups_.push_back(group_id);
}

void FifoQueue::become_visible(Stored& message) {
  if (message.state == State::kInFlight) {
    --in_flight_;
    --groups_.at(message.group_id).in_flight;
    report("queue.visible_again", message.id);
  }
  if (message.state == State::kDelayed) --delayed_;
  if (message.state != State::kVisible) ++visible_count_;
  message.state = State::kVisible;
  ++message.version;
  // It keeps its place in its group: order holds across a timeout.
  mark_ready_if_so(message.group_id);
}

std::vector<FifoReceivedMessage> FifoQueue::take(const ReceiveRequest& request, Status& error) {
  std::vector<FifoReceivedMessage> batch;
  const time::Instant now = scheduler_.now();
  const time::Duration visibility = request.visibility_timeout.value_or(config_.visibility_timeout);
  while (batch.size() < request.max_messages && !ready_groups_.empty()) {
    const std::string group_id = std::move(ready_groups_.front());
    ready_groups_.pop_front();
    const auto group_it = groups_.find(group_id);
    if (group_it == groups_.end()) continue;
    Group& group = group_it->second;
    group.queued_as_ready = false;
    if (!is_ready(group)) continue;
    // A run of the group's visible messages from its front.
    std::size_t i = 0;
    while (i < group.messages.size() && batch.size() < request.max_messages) {
      const std::uint64_t seq = group.messages[i];
      Stored& message = messages_.at(seq);
      if (message.state != State::kVisible) break;
      if (config_.redrive && message.receive_count >= config_.redrive->max_receive_count && dead_letter_ != nullptr) {
        Stored moving = remove(seq, {});  // out of the group, at position i
        ++counters_.dead_lettered;
        report("queue.dead_lettered", moving.id);
        dead_letter_->accept_dead_letter(std::move(moving));
        if (!groups_.contains(group_id)) break;  // that was the group's last message
        continue;
      }
      if (in_flight_ >= config_.max_in_flight) {
        if (batch.empty()) {
          error = Status(
              StatusCode::kResourceExhausted,
              "queue " + name_ + " has its maximum of " + std::to_string(config_.max_in_flight) + " messages in flight",
              sqs_error::kOverLimit);
        }
        mark_ready_if_so(group_id);
        return batch;
      }
      --visible_count_;
      ++in_flight_;
      ++group.in_flight;
      message.state = State::kInFlight;
      ++message.receive_count;
      if (message.receive_count == 1) message.first_received_at = now;
      ++message.epoch;
      message.nonce = prng_.next_u64();
      ++message.version;
      becoming_visible_.push(now + visibility, seq, message.version);
      ++counters_.delivered;
      report("queue.delivered", message.id);
      batch.push_back(FifoReceivedMessage{
          ReceivedMessage{message.id, ReceiptHandle{seq, message.epoch, message.nonce}.format(tag_), message.body,
                          message.attributes, message.receive_count, message.sent_at, message.first_received_at},
          message.group_id, format_sequence(message.sequence)});
      ++i;
    }
    mark_ready_if_so(group_id);  // if nothing was taken (all moved to the DLQ), it may still be ready
  }
  return batch;
}

FifoQueue::Stored FifoQueue::remove(std::uint64_t seq, std::string_view event) {
  auto node = messages_.extract(seq);
  SLUICE_CHECK(!node.empty());
  Stored& message = node.mapped();
  const auto group_it = groups_.find(message.group_id);
  SLUICE_CHECK(group_it != groups_.end());
  Group& group = group_it->second;
  // In-flight and expiring messages are at or near the group's front.
  const auto position = std::find(group.messages.begin(), group.messages.end(), seq);
  SLUICE_CHECK(position != group.messages.end());
  group.messages.erase(position);
  switch (message.state) {
    case State::kVisible:
      --visible_count_;
      break;
    case State::kInFlight:
      --in_flight_, --group.in_flight;
      break;
    case State::kDelayed:
      --delayed_;
      break;
  }
  if (!event.empty()) report(event, message.id);
  if (group.messages.empty()) {
    groups_.erase(group_it);
  } else {
    mark_ready_if_so(message.group_id);
  }
  return std::move(message);
}

void FifoQueue::advance() {
  const time::Instant now = scheduler_.now();
  while (!deduplication_expiry_.empty() && deduplication_expiry_.front().first <= now) {
    const auto seen = deduplication_.find(deduplication_expiry_.front().second);
    if (seen != deduplication_.end() && seen->second.expires <= now) deduplication_.erase(seen);
    deduplication_expiry_.pop_front();
  }
  expiring_.pop_due(now, [this](const internal::DueHeap::Entry& due) {
    if (!messages_.contains(due.seq)) return;
    ++counters_.expired;
    remove(due.seq, "queue.expired");  // the message itself is dropped
  });
  becoming_visible_.pop_due(now, [this](const internal::DueHeap::Entry& due) {
    if (is_live(due)) become_visible(messages_.at(due.seq));
  });
  const std::size_t bound = 2 * messages_.size() + 1024;
  if (ready_groups_.size() > groups_.size() + 1024) {
    std::erase_if(ready_groups_, [this](const std::string& id) { return !groups_.contains(id); });
  }
  becoming_visible_.compact(bound, [this](const auto& e) { return is_live(e); });
  expiring_.compact(bound, [this](const auto& e) { return messages_.contains(e.seq); });
}

Result<std::vector<FifoReceivedMessage>> FifoQueue::receive_now(const ReceiveRequest& request) {
  if (Status status = validate_receive(request); !status.ok()) return status;
  advance();
  Status error;
  std::vector<FifoReceivedMessage> batch = take(request, error);
  rearm();
  if (!error.ok()) return error;
  return batch;
}

void FifoQueue::receive(const ReceiveRequest& request, ReceiveCallback done) {
  waiters_.receive(
      request, config_.receive_wait, [this](const ReceiveRequest& r) { return receive_now(r); }, std::move(done),
      name_);
}

void FifoQueue::serve_waiters() {
  // Serving stops when a waiter gets nothing: visible messages may all be in blocked groups.
  bool served_any = true;
  waiters_.serve([this, &served_any] { return served_any && visible_count_ > 0 && !ready_groups_.empty(); },
                 [this, &served_any](const ReceiveRequest& request, Status& error) {
                   std::vector<FifoReceivedMessage> batch = take(request, error);
                   served_any = !batch.empty();
                   return batch;
                 });
}

void FifoQueue::rearm() {
  std::optional<time::Instant> next = becoming_visible_.earliest([this](const auto& e) { return is_live(e); });
  const std::optional<time::Instant> expiry =
      expiring_.earliest([this](const auto& e) { return messages_.contains(e.seq); });
  if (expiry && (!next || *expiry < *next)) next = expiry;
  if (!deduplication_expiry_.empty() && (!next || deduplication_expiry_.front().first < *next)) {
    next = deduplication_expiry_.front().first;
  }
  wake_timer_.arm(next, [this] {
    advance();
    serve_waiters();
    rearm();
  });
}

Result<DeleteResult> FifoQueue::delete_message(std::string_view receipt_handle) {
  const std::optional<ReceiptHandle> handle = ReceiptHandle::parse(receipt_handle, tag_);
  if (!handle) return invalid_handle(receipt_handle, name_);
  advance();
  const auto it = messages_.find(handle->seq);
  DeleteResult result = DeleteResult::kAlreadyDeleted;
  if (it != messages_.end()) {
    if (it->second.epoch != handle->epoch || it->second.nonce != handle->nonce) {
      result = DeleteResult::kStaleHandle;
    } else {
      ++counters_.deleted;
      remove(handle->seq, "queue.deleted");
      result = DeleteResult::kDeleted;
      serve_waiters();  // the group may have unblocked
    }
  }
  rearm();
  return result;
}

Status FifoQueue::change_visibility(std::string_view receipt_handle, time::Duration timeout) {
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
    become_visible(it->second);
    serve_waiters();
  } else {
    ++it->second.version;
    becoming_visible_.push(scheduler_.now() + timeout, handle->seq, it->second.version);
  }
  rearm();
  return Status();
}

void FifoQueue::purge() {
  const std::uint64_t count = messages_.size();
  messages_.clear();
  groups_.clear();
  ready_groups_.clear();
  becoming_visible_.clear();
  expiring_.clear();
  visible_count_ = in_flight_ = delayed_ = 0;
  wake_timer_.cancel();
  rearm();  // deduplication entries still expire
  if (events_ != nullptr) {
    const observe::Attribute attribute{"messages", static_cast<std::int64_t>(count)};
    events_->on_event(observe::Event{"queue.purged", name_, scheduler_.now(), {}, {&attribute, 1}});
  }
}

void FifoQueue::set_dead_letter_queue(FifoQueue* dead_letter) {
  SLUICE_CHECK(config_.redrive.has_value() && dead_letter != this);
  dead_letter_ = dead_letter;
}

void FifoQueue::accept_dead_letter(Stored message) {
  advance();
  message.receive_count = 0;
  message.epoch = 0;
  message.version = 0;
  message.sequence = ++last_sequence_number_;
  store(std::move(message), time::Duration::zero());
  serve_waiters();
  rearm();
}

QueueStats FifoQueue::stats() const {
  QueueStats stats = counters_;
  stats.visible = visible_count_;
  stats.in_flight = in_flight_;
  stats.delayed = delayed_;
  stats.waiting_receives = waiters_.size();
  return stats;
}

void FifoQueue::report(std::string_view what, const std::string& message_id) {
  if (events_ == nullptr) return;
  const observe::Attribute attribute{"message_id", std::string_view(message_id)};
  events_->on_event(observe::Event{what, name_, scheduler_.now(), {}, {&attribute, 1}});
}

}  // namespace sluice::broker
