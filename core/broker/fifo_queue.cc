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
    : SqsQueueBase(std::move(name), std::move(config), scheduler, prng, events) {
  SLUICE_CHECK(config_.validate().ok());
  SLUICE_CHECK(config_.fifo);
  SLUICE_CHECK(validate_queue_name(name_, true).ok());
}

FifoQueue::~FifoQueue() = default;

std::string FifoQueue::format_sequence(std::uint64_t sequence) {
  std::string digits = std::to_string(sequence);
  return std::string(20 - std::min<std::size_t>(20, digits.size()), '0') + digits;
}

Status FifoQueue::validate_fifo_send(const FifoSendRequest& request) const {
  SLUICE_RETURN_IF_ERROR(validate_send(request.body, request.attributes, config_.max_message_bytes));
  SLUICE_RETURN_IF_ERROR(validate_fifo_id("MessageGroupId", request.group_id));
  if (!request.deduplication_id.empty()) {
    SLUICE_RETURN_IF_ERROR(validate_fifo_id("MessageDeduplicationId", request.deduplication_id));
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
  SLUICE_RETURN_IF_ERROR(validate_fifo_send(request));
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
    return over_limit("holds", config_.max_messages, "messages");
  }
  Stored message;
  message.id = make_message_id(prng_);
  message.body = std::move(request.body);
  message.attributes = attributes_of(std::move(request.attributes));
  message.group_id = std::move(request.group_id);
  message.sequence = ++last_sequence_number_;
  message.sent_at = now;
  const MessageId id = message.id;
  FifoSendResult result{id.text(), format_sequence(message.sequence), false};
  deduplication_[*key] = Deduplicated{now + kDeduplicationWindow, result.message_id, message.sequence};
  deduplication_expiry_.emplace_back(now + kDeduplicationWindow, *key);
  const std::uint64_t seq = store(std::move(message), config_.delay);
  ++counters_.sent;
  report("queue.sent", id);
  if (journal_ != nullptr) {
    const Stored& stored = messages_.at(seq);
    journal_stored(stored, now + config_.delay, stored.group_id, stored.sequence);
    journal_->deduplication_recorded(name_, *key, result.message_id, stored.sequence, now + kDeduplicationWindow);
  }
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
    schedule_visible(seq, stored, scheduler_.now() + delay);
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

void FifoQueue::become_visible(std::uint64_t /*seq*/, Stored& message) {
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
        if (batch.empty()) error = over_limit("has", config_.max_in_flight, "messages in flight");
        mark_ready_if_so(group_id);
        return batch;
      }
      ++group.in_flight;
      deliver_in_flight(seq, message, visibility);
      batch.push_back(
          FifoReceivedMessage{as_received(seq, message), message.group_id, format_sequence(message.sequence)});
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
  journal_removed(message.id);
  if (group.messages.empty()) {
    groups_.erase(group_it);
  } else {
    mark_ready_if_so(message.group_id);
  }
  return std::move(message);
}

void FifoQueue::advance_more(time::Instant now) {
  while (!deduplication_expiry_.empty() && deduplication_expiry_.front().first <= now) {
    const auto seen = deduplication_.find(deduplication_expiry_.front().second);
    if (seen != deduplication_.end() && seen->second.expires <= now) deduplication_.erase(seen);
    deduplication_expiry_.pop_front();
  }
  if (ready_groups_.size() > groups_.size() + 1024) {
    std::erase_if(ready_groups_, [this](const std::string& id) { return !groups_.contains(id); });
  }
}

std::optional<time::Instant> FifoQueue::next_own_deadline() const {
  if (deduplication_expiry_.empty()) return std::nullopt;
  return deduplication_expiry_.front().first;
}

void FifoQueue::clear_ordering() {
  groups_.clear();
  ready_groups_.clear();
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

void FifoQueue::accept_dead_letter(Stored message) {
  advance();
  forget_receipts(message);
  message.sequence = ++last_sequence_number_;
  const std::uint64_t seq = store(std::move(message), time::Duration::zero());
  if (journal_ != nullptr) {
    const Stored& stored = messages_.at(seq);
    journal_stored(stored, scheduler_.now(), stored.group_id, stored.sequence);
  }
  serve_waiters();
  rearm();
}

Status FifoQueue::restore(const JournaledMessage& record) {
  advance();
  Result<std::pair<internal::StoredMessage, time::Duration>> restored_message = restored(record);
  if (!restored_message.ok()) return restored_message.status();
  SLUICE_RETURN_IF_ERROR(validate_fifo_id("MessageGroupId", record.group_id));
  auto [base, delay] = *std::move(restored_message);
  Stored message;
  static_cast<internal::StoredMessage&>(message) = std::move(base);
  message.group_id = std::string(record.group_id);
  message.sequence = record.sequence;
  last_sequence_number_ = std::max(last_sequence_number_, record.sequence);
  store(std::move(message), delay);
  serve_waiters();
  rearm();
  return Status();
}

void FifoQueue::restore_deduplication(std::string_view key, std::string_view message_id, std::uint64_t sequence,
                                      time::Instant expires) {
  advance();
  last_sequence_number_ = std::max(last_sequence_number_, sequence);
  if (expires <= scheduler_.now()) return;
  deduplication_[std::string(key)] = Deduplicated{expires, std::string(message_id), sequence};
  // Expiries stay in order, whatever order they are restored in.
  const auto position =
      std::upper_bound(deduplication_expiry_.begin(), deduplication_expiry_.end(), expires,
                       [](time::Instant at, const std::pair<time::Instant, std::string>& e) { return at < e.first; });
  deduplication_expiry_.emplace(position, expires, std::string(key));
  rearm();
}

}  // namespace sluice::broker
