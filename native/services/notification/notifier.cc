#include "native/services/notification/notifier.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <fstream>

namespace sluice::native {
namespace {

using nlohmann::json;

constexpr std::size_t kRememberedKeys = 100'000;

std::string now_iso8601() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

// template_of: the message for an event type, or empty if customers are not told.
std::string template_of(std::string_view event_type) {
  if (event_type == "OrderCreated") return "order_received";
  if (event_type == "OrderConfirmed") return "order_confirmed";
  if (event_type == "OrderCancelled") return "order_cancelled";
  return "";
}

}  // namespace

Result<std::unique_ptr<Notifier>> Notifier::open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return Status(StatusCode::kUnavailable, "cannot open " + path + ": " + std::strerror(errno));
  std::unique_ptr<Notifier> notifier(new Notifier(fd, kRememberedKeys));
  std::ifstream existing(path);
  std::string line;
  bool ends_in_newline = true;
  while (std::getline(existing, line)) {
    ends_in_newline = !existing.eof();
    const json sent = json::parse(line, nullptr, false);  // a torn last line is skipped
    if (sent.is_object() && sent.contains("idempotencyKey") && sent["idempotencyKey"].is_string()) {
      notifier->seen_.insert(sent["idempotencyKey"].get<std::string>());
    }
  }
  // A crash mid-write leaves a torn last line: end it, so the next line stands alone.
  if (!ends_in_newline && (::write(fd, "\n", 1) != 1 || ::fsync(fd) != 0)) {
    return Status(StatusCode::kUnavailable, "cannot repair " + path + ": " + std::strerror(errno));
  }
  return notifier;
}

Notifier::~Notifier() { ::close(fd_); }

Result<NotifyOutcome> Notifier::notify(const services::OrderEvent& event, const std::string& trace_id) {
  const std::string kind = template_of(event.event_type);
  if (kind.empty()) return NotifyOutcome::kIgnored;
  const std::string& key = event.idempotency_key;
  if (seen_.contains(key)) return NotifyOutcome::kDuplicate;
  const std::string line =
      json{{"sentAt", now_iso8601()},   {"channel", "email"},    {"to", event.user_id}, {"template", kind},
           {"orderId", event.order_id}, {"idempotencyKey", key}, {"traceId", trace_id}}
          .dump() +
      "\n";
  if (::write(fd_, line.data(), line.size()) != static_cast<ssize_t>(line.size()) || ::fsync(fd_) != 0) {
    return Status(StatusCode::kUnavailable, std::string("writing the outbox: ") + std::strerror(errno));
  }
  seen_.insert(key);
  ++sent_;
  return NotifyOutcome::kSent;
}

}  // namespace sluice::native
