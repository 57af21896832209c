#include "core/broker/standard_queue.h"

#include <algorithm>
#include <array>
#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "core/base/check.h"
#include "core/base/duration_text.h"

namespace sluice::broker {
namespace {

using std::chrono::hours;
using std::chrono::seconds;

Status parameter_error(const std::string& message, std::string_view reason = sqs_error::kInvalidParameterValue) {
  return Status::invalid_argument(message, reason);
}

// SQS accepts #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF, as UTF-8.
bool is_allowed_text(std::string_view text) {
  std::size_t i = 0;
  // Most bodies are printable ASCII (JSON): check those eight bytes at a time.
  while (i + 8 <= text.size()) {
    std::uint64_t word;
    std::memcpy(&word, text.data() + i, 8);
    const bool all_printable_ascii =
        (word & 0x8080808080808080ULL) == 0 &&                                    // no byte >= 0x80
        ((word - 0x2020202020202020ULL) & ~word & 0x8080808080808080ULL) == 0;  // no byte < 0x20
    if (!all_printable_ascii) break;
    i += 8;
  }
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::uint32_t code;
    std::size_t length;
    if (c < 0x80) {
      code = c, length = 1;
    } else if ((c & 0xE0) == 0xC0) {
      code = c & 0x1F, length = 2;
    } else if ((c & 0xF0) == 0xE0) {
      code = c & 0x0F, length = 3;
    } else if ((c & 0xF8) == 0xF0) {
      code = c & 0x07, length = 4;
    } else {
      return false;
    }
    if (i + length > text.size()) return false;
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      code = (code << 6) | (next & 0x3F);
    }
    static constexpr std::array<std::uint32_t, 4> kMinimum = {0, 0x80, 0x800, 0x10000};
    if (code < kMinimum[length - 1]) return false;  // overlong
    const bool allowed = code == 0x9 || code == 0xA || code == 0xD || (code >= 0x20 && code <= 0xD7FF) ||
                         (code >= 0xE000 && code <= 0xFFFD) || (code >= 0x10000 && code <= 0x10FFFF);
    if (!allowed) return false;
    i += length;
  }
  return true;
}

// The size SQS counts: the body, and each attribute's name, type and value.
std::size_t message_size(const SendRequest& request) {
  std::size_t size = request.body.size();
  for (const auto& [name, value] : request.attributes) {
    size += name.size() + value.data_type.size() + value.string_value.size() + value.binary_value.size();
  }
  return size;
}

Status validate_attributes(const MessageAttributes& attributes) {
  if (attributes.size() > 10) {
    return parameter_error("a message may have at most 10 attributes; got " + std::to_string(attributes.size()));
  }
  for (const auto& [name, value] : attributes) {
    if (name.empty() || name.size() > 256) return parameter_error("attribute names must be 1 to 256 characters");
    const std::string_view type = value.data_type;
    const std::string_view base = type.substr(0, type.find('.'));
    if (base != "String" && base != "Number" && base != "Binary") {
      return parameter_error("attribute \"" + name + "\" has data type \"" + value.data_type +
                             "\"; it must be String, Number or Binary (optionally with a .suffix)");
    }
    if (base == "Binary" ? value.binary_value.empty() : value.string_value.empty()) {
      return parameter_error("attribute \"" + name + "\" has no value");
    }
  }
  return Status();
}

// Appends `digits` lowercase hex digits of `value`.
void append_hex(std::string& out, std::uint64_t value, int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) out.push_back(kHex[(value >> shift) & 0xf]);
}

// Appends `value` in hex without leading zeros (at least one digit).
void append_hex_trimmed(std::string& out, std::uint64_t value) {
  int digits = 1;
  while (digits < 16 && (value >> (digits * 4)) != 0) ++digits;
  append_hex(out, value, digits);
}

}  // namespace

StandardQueue::StandardQueue(std::string name, QueueConfig config, time::Scheduler& scheduler, time::Prng prng,
                             observe::EventSink* events)
    : name_(std::move(name)),
      config_(std::move(config)),
      scheduler_(scheduler),
      prng_(prng),
      events_(events),
      tag_(prng_.next_u64()) {
  SLUICE_CHECK(config_.validate().ok());
  SLUICE_CHECK(!config_.fifo);
  SLUICE_CHECK(validate_queue_name(name_, false).ok());
}

StandardQueue::~StandardQueue() {
  if (wake_timer_.valid()) scheduler_.cancel(wake_timer_);
  for (const Waiter& waiter : waiters_) scheduler_.cancel(waiter.timer);
}

std::string StandardQueue::make_message_id() {
  // A version 4 UUID from the seeded generator: the same seed names messages alike.
  const std::uint64_t high = prng_.next_u64(), low = prng_.next_u64();
  std::string id;
  id.reserve(36);
  append_hex(id, high >> 32, 8);
  id.push_back('-');
  append_hex(id, (high >> 16) & 0xffff, 4);
  id.append("-4");
  append_hex(id, high & 0x0fff, 3);
  id.push_back('-');
  append_hex(id, ((low >> 48) & 0x3fff) | 0x8000, 4);
  id.push_back('-');
  append_hex(id, low & 0xffffffffffffULL, 12);
  return id;
}

std::string StandardQueue::make_handle(std::uint64_t seq, const Stored& message) const {
  std::string handle;
  handle.reserve(64);
  append_hex(handle, tag_, 16);
  handle.push_back('-');
  append_hex_trimmed(handle, seq);
  handle.push_back('-');
  append_hex_trimmed(handle, message.epoch);
  handle.push_back('-');
  append_hex(handle, message.nonce, 16);
  return handle;
}

std::optional<StandardQueue::Handle> StandardQueue::parse_handle(std::string_view text) const {
  std::uint64_t fields[4];
  std::size_t field = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i < text.size() && text[i] != '-') continue;
    const std::string_view part = text.substr(start, i - start);
    if (field == 4 || part.empty() || part.size() > 16) return std::nullopt;
    std::uint64_t value = 0;
    for (char c : part) {
      const int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
      if (digit < 0) return std::nullopt;
      value = (value << 4) | static_cast<std::uint64_t>(digit);
    }
    fields[field++] = value;
    start = i + 1;
  }
  if (field != 4 || fields[0] != tag_ || fields[2] > UINT32_MAX) return std::nullopt;
  return Handle{fields[1], static_cast<std::uint32_t>(fields[2]), fields[3]};
}

Result<std::string> StandardQueue::send(SendRequest request) {
  advance();
  if (request.body.empty()) return parameter_error("the message body must not be empty", "MissingParameter");
  if (!is_allowed_text(request.body)) {
    return parameter_error("the message body has characters SQS does not allow (it must be UTF-8 text of #x9, #xA, "
                           "#xD, #x20 to #xD7FF, #xE000 to #xFFFD, #x10000 to #x10FFFF)",
                           "InvalidMessageContents");
  }
  if (Status status = validate_attributes(request.attributes); !status.ok()) return status;
  if (message_size(request) > config_.max_message_bytes) {
    return parameter_error("the message is " + std::to_string(message_size(request)) +
                           " bytes; the queue's MaximumMessageSize is " + std::to_string(config_.max_message_bytes));
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
  message.id = make_message_id();
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
  expiring_.push_back(Timed{expires, seq, 0});
  std::push_heap(expiring_.begin(), expiring_.end(), Later());
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
  becoming_visible_.push_back(Timed{at, seq, message.version});
  std::push_heap(becoming_visible_.begin(), becoming_visible_.end(), Later());
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
  while (!expiring_.empty() && expiring_.front().at <= now) {
    const Timed due = expiring_.front();
    std::pop_heap(expiring_.begin(), expiring_.end(), Later());
    expiring_.pop_back();
    if (messages_.contains(due.seq)) {
      ++counters_.expired;
      erase(due.seq, "queue.expired");
    }
  }
  while (!becoming_visible_.empty() && becoming_visible_.front().at <= now) {
    const Timed due = becoming_visible_.front();
    std::pop_heap(becoming_visible_.begin(), becoming_visible_.end(), Later());
    becoming_visible_.pop_back();
    const auto it = messages_.find(due.seq);
    if (it != messages_.end() && it->second.version == due.version) make_visible(due.seq, it->second);
  }
  compact_if_needed();
}

void StandardQueue::erase(std::uint64_t seq, std::string_view event) {
  const auto it = messages_.find(seq);
  if (it == messages_.end()) return;
  switch (it->second.state) {
    case State::kVisible: --visible_count_; break;
    case State::kInFlight: --in_flight_; break;
    case State::kDelayed: --delayed_; break;
  }
  if (!event.empty()) report(event, it->second.id);
  messages_.erase(it);  // its deque and heap entries are now stale
}

void StandardQueue::compact_if_needed() {
  const std::size_t bound = 2 * messages_.size() + 1024;
  if (visible_.size() > bound) {
    std::erase_if(visible_, [this](std::uint64_t seq) {
      const auto it = messages_.find(seq);
      return it == messages_.end() || it->second.state != State::kVisible;
    });
  }
  if (becoming_visible_.size() > bound) {
    std::erase_if(becoming_visible_, [this](const Timed& t) {
      const auto it = messages_.find(t.seq);
      return it == messages_.end() || it->second.version != t.version;
    });
    std::make_heap(becoming_visible_.begin(), becoming_visible_.end(), Later());
  }
  if (expiring_.size() > bound) {
    std::erase_if(expiring_, [this](const Timed& t) { return !messages_.contains(t.seq); });
    std::make_heap(expiring_.begin(), expiring_.end(), Later());
  }
}

Status StandardQueue::validate_receive(const ReceiveRequest& request) const {
  if (request.max_messages < 1 || request.max_messages > 10) {
    return parameter_error("MaxNumberOfMessages must be from 1 to 10; got " + std::to_string(request.max_messages));
  }
  if (request.visibility_timeout &&
      (*request.visibility_timeout < time::Duration::zero() || *request.visibility_timeout > hours(12))) {
    return parameter_error("VisibilityTimeout must be from 0 to 43200 seconds; got " +
                           format_duration(*request.visibility_timeout));
  }
  if (request.wait && (*request.wait < time::Duration::zero() || *request.wait > seconds(20))) {
    return parameter_error("WaitTimeSeconds must be from 0 to 20; got " + format_duration(*request.wait));
  }
  return Status();
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
        error = Status(StatusCode::kResourceExhausted,
                       "queue " + name_ + " has its maximum of " + std::to_string(config_.max_in_flight) +
                           " messages in flight",
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
    batch.push_back(ReceivedMessage{message.id, make_handle(seq, message), message.body, message.attributes,
                                    message.receive_count, message.sent_at, message.first_received_at});
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
  const auto answer_later = [this](ReceiveCallback callback, Result<std::vector<ReceivedMessage>> result) {
    scheduler_.schedule_after(time::Duration::zero(),
                              [callback = std::move(callback), result = std::move(result)] { callback(result); });
  };
  if (Status status = validate_receive(request); !status.ok()) return answer_later(std::move(done), status);
  Result<std::vector<ReceivedMessage>> now = receive_now(request);
  const time::Duration wait = request.wait.value_or(config_.receive_wait);
  if (!now.ok() || !now->empty() || wait == time::Duration::zero()) return answer_later(std::move(done), now);
  if (waiters_.size() >= config_.max_waiting_receives) {
    return answer_later(std::move(done),
                        Status(StatusCode::kResourceExhausted,
                               "queue " + name_ + " has its maximum of " +
                                   std::to_string(config_.max_waiting_receives) + " receives waiting",
                               sqs_error::kOverLimit));
  }
  const std::uint64_t id = ++last_waiter_;
  const time::TimerId timer = scheduler_.schedule_after(wait, [this, id] {
    const auto it = std::find_if(waiters_.begin(), waiters_.end(), [id](const Waiter& w) { return w.id == id; });
    if (it == waiters_.end()) return;
    ReceiveCallback callback = std::move(it->done);
    waiters_.erase(it);
    callback(std::vector<ReceivedMessage>{});  // the wait is over, nothing came
  });
  waiters_.push_back(Waiter{id, request, std::move(done), timer});
}

void StandardQueue::serve_waiters() {
  while (!waiters_.empty() && visible_count_ > 0) {
    Waiter waiter = std::move(waiters_.front());
    waiters_.pop_front();
    scheduler_.cancel(waiter.timer);
    Status error;
    std::vector<ReceivedMessage> batch = take_visible(waiter.request, error);
    Result<std::vector<ReceivedMessage>> result =
        error.ok() ? Result<std::vector<ReceivedMessage>>(std::move(batch)) : Result<std::vector<ReceivedMessage>>(error);
    scheduler_.schedule_after(time::Duration::zero(),
                              [callback = std::move(waiter.done), result = std::move(result)] { callback(result); });
  }
}

void StandardQueue::rearm() {
  // The one timer: at the earliest moment something becomes due.
  auto earliest_live = [](std::vector<Timed>& heap, auto is_live) -> std::optional<time::Instant> {
    while (!heap.empty() && !is_live(heap.front())) {
      std::pop_heap(heap.begin(), heap.end(), Later());
      heap.pop_back();
    }
    if (heap.empty()) return std::nullopt;
    return heap.front().at;
  };
  std::optional<time::Instant> next = earliest_live(becoming_visible_, [this](const Timed& t) {
    const auto it = messages_.find(t.seq);
    return it != messages_.end() && it->second.version == t.version;
  });
  const std::optional<time::Instant> expiry =
      earliest_live(expiring_, [this](const Timed& t) { return messages_.contains(t.seq); });
  if (expiry && (!next || *expiry < *next)) next = expiry;
  // Keep an armed timer unless something needs an earlier wake-up: waking early is
  // harmless (nothing is due, it re-arms), and re-arming on every operation is not.
  if (wake_timer_.valid()) {
    if (!next || *next >= wake_at_) return;
    scheduler_.cancel(std::exchange(wake_timer_, {}));
  }
  if (!next) return;
  wake_at_ = *next;
  wake_timer_ = scheduler_.schedule_at(*next, [this] {
    wake_timer_ = {};
    advance();
    serve_waiters();
    rearm();
  });
}

Result<DeleteResult> StandardQueue::delete_message(std::string_view receipt_handle) {
  const std::optional<Handle> handle = parse_handle(receipt_handle);
  if (!handle) {
    return parameter_error("the receipt handle \"" + std::string(receipt_handle) + "\" is not one of queue " + name_ +
                               "'s",
                           sqs_error::kReceiptHandleIsInvalid);
  }
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
  if (timeout < time::Duration::zero() || timeout > hours(12)) {
    return parameter_error("VisibilityTimeout must be from 0 to 43200 seconds; got " + format_duration(timeout));
  }
  const std::optional<Handle> handle = parse_handle(receipt_handle);
  if (!handle) {
    return parameter_error("the receipt handle \"" + std::string(receipt_handle) + "\" is not one of queue " + name_ +
                               "'s",
                           sqs_error::kReceiptHandleIsInvalid);
  }
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
