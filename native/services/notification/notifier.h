// notifier.h: Notifier, what the notification service does with an order event: it
// "sends" the customer a message by appending one JSON line to an outbox file
// (fsynced before the event is acknowledged), once per event: copies, recognised by
// the event's idempotency key, are dropped, including across restarts (the keys
// already in the file are read back at start).
//
//   {"sentAt": "...", "channel": "email", "to": "usr_456", "template": "order_confirmed",
//    "orderId": "ord_...", "idempotencyKey": "order-confirmed-ord_...", "traceId": "..."}
#ifndef SLUICE_NATIVE_SERVICES_NOTIFICATION_NOTIFIER_H_
#define SLUICE_NATIVE_SERVICES_NOTIFICATION_NOTIFIER_H_

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "core/base/result.h"
#include "core/saga/recent_keys.h"
#include "core/services/common/order_event.h"

namespace sluice::native {

enum class NotifyOutcome { kSent, kDuplicate, kIgnored };

class Notifier {
 public:
  // open: appends to `path` (created if missing), remembering the keys already in it.
  static Result<std::unique_ptr<Notifier>> open(const std::string& path);
  ~Notifier();

  // notify: sends the message for `event` unless it was sent already; event types that
  // tell the customer nothing are kIgnored. Returns only once the line is on disk.
  Result<NotifyOutcome> notify(const services::OrderEvent& event, const std::string& trace_id);

  std::uint64_t sent() const { return sent_; }

 private:
  Notifier(int fd, std::size_t window) : fd_(fd), seen_(window) {}

  int fd_;
  saga::RecentKeys seen_;
  std::uint64_t sent_ = 0;
};

}  // namespace sluice::native

#endif  // SLUICE_NATIVE_SERVICES_NOTIFICATION_NOTIFIER_H_
