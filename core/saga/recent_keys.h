// recent_keys.h: RecentKeys, the idempotency keys seen lately, for consumers that drop
// copies of what they processed. It keeps the last `capacity` keys; an older copy than
// that is processed again, so capacity should cover the broker's redelivery window.
//
//   RecentKeys seen(100'000);
//   if (!seen.insert(event.key())) return;  // a copy
#ifndef SLUICE_CORE_SAGA_RECENT_KEYS_H_
#define SLUICE_CORE_SAGA_RECENT_KEYS_H_

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_set>

#include "core/base/check.h"

namespace sluice::saga {

class RecentKeys {
 public:
  // REQUIRES: capacity > 0.
  explicit RecentKeys(std::size_t capacity) : capacity_(capacity) { SLUICE_CHECK(capacity > 0); }

  // insert: true if `key` was not among the recent keys (it is now).
  bool insert(std::string_view key) {
    if (keys_.contains(std::string(key))) return false;
    if (order_.size() == capacity_) {
      keys_.erase(order_.front());
      order_.pop_front();
    }
    order_.emplace_back(key);
    keys_.insert(order_.back());
    return true;
  }

  bool contains(std::string_view key) const { return keys_.contains(std::string(key)); }
  std::size_t size() const { return order_.size(); }

 private:
  std::size_t capacity_;
  std::deque<std::string> order_;  // oldest first
  std::unordered_set<std::string> keys_;
};

}  // namespace sluice::saga

#endif  // SLUICE_CORE_SAGA_RECENT_KEYS_H_
