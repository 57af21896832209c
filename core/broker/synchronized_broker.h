// synchronized_broker.h: SynchronizedBroker, a MessageBroker that many threads may call
// at once. It serialises every call to one backend (an InMemoryBroker, say) behind one
// lock, and takes the same lock when the backend's timers fire (visibility timeouts,
// long-poll expiries, TTLs), so the backend itself stays single-threaded and sans-I/O.
//
//   SynchronizedBroker broker(scheduler, [](time::Scheduler& s) {
//     return std::make_unique<InMemoryBroker>(s, time::Prng(seed));
//   });
//   // any thread: broker.send(...), broker.receive(...), broker.delete_message(...)
//
// Callbacks (receive's `done`, a consumer's deliveries) run with the lock held. They may
// call the broker again (the lock is recursive) but must not wait for another thread
// that calls it, or both wait forever.
//
// The scheduler given must accept schedule_at() and cancel() from any thread (the native
// runtime's does). VirtualTime does not; a test that drives one from several threads
// moves it under the broker's lock with locked().
#ifndef SLUICE_CORE_BROKER_SYNCHRONIZED_BROKER_H_
#define SLUICE_CORE_BROKER_SYNCHRONIZED_BROKER_H_

#include <functional>
#include <memory>
#include <mutex>

#include "core/base/recursive_lock.h"
#include "core/broker/message_broker.h"
#include "core/time/scheduler.h"

namespace sluice::broker {

class SynchronizedBroker final : public MessageBroker {
 public:
  using MakeBackend = std::function<std::unique_ptr<MessageBroker>(time::Scheduler&)>;

  // The backend is made here, on a scheduler that takes the broker's lock around each
  // of its timer callbacks.
  SynchronizedBroker(time::Scheduler& scheduler, const MakeBackend& make_backend);
  ~SynchronizedBroker() override;

  // locked: runs `work` with the broker's lock held; for driving a VirtualTime shared
  // with the broker from several threads.
  template <typename Work>
  decltype(auto) locked(Work&& work) {
    std::scoped_lock guard(lock_);
    return std::forward<Work>(work)();
  }

  Status create_queue(std::string_view name, const QueueConfig& config) override;
  Status delete_queue(std::string_view name) override;
  std::vector<std::string> list_queues(std::string_view prefix) const override;
  Result<BrokerSendResult> send(std::string_view queue, BrokerSendRequest request) override;
  void receive(std::string_view queue, const ReceiveRequest& request, ReceiveCallback done) override;
  Result<DeleteResult> delete_message(std::string_view queue, std::string_view receipt_handle) override;
  Status change_visibility(std::string_view queue, std::string_view receipt_handle, time::Duration timeout) override;
  Status purge(std::string_view queue) override;
  Result<QueueStats> queue_stats(std::string_view queue) const override;
  Result<QueueConfig> queue_config(std::string_view queue) const override;
  Status set_queue_attributes(std::string_view queue, const QueueConfig& config) override;

  Status declare_amqp_queue(std::string_view name, const AmqpQueueDeclaration& declaration) override;
  Status consume(std::string_view queue, std::string_view consumer_tag, std::uint32_t prefetch,
                 AmqpQueue::DeliveryCallback deliver) override;
  Status cancel(std::string_view queue, std::string_view consumer_tag) override;
  Status ack(std::string_view queue, std::uint64_t delivery_tag, bool multiple) override;
  Status nack(std::string_view queue, std::uint64_t delivery_tag, bool requeue, bool multiple) override;

  Status declare_exchange(std::string_view name, ExchangeType type) override;
  Status bind_queue(std::string_view queue, std::string_view exchange, std::string_view key,
                    const Headers& arguments) override;
  Result<std::vector<std::string>> publish(std::string_view exchange, std::string_view routing_key,
                                           const Headers& headers, const BrokerSendRequest& request,
                                           bool mandatory) override;

  Status create_topic(std::string_view name, const TopicConfig& config) override;
  Result<AppendResult> append(std::string_view topic, AppendRequest request) override;
  Result<std::vector<LogRecord>> fetch(std::string_view topic, std::uint32_t partition, std::int64_t offset,
                                       std::size_t max_records) override;
  Result<std::int64_t> offset_for_time(std::string_view topic, std::uint32_t partition, time::Instant when) override;
  Result<std::uint64_t> join_group(std::string_view topic, std::string_view group, std::string_view member) override;
  Status leave_group(std::string_view topic, std::string_view group, std::string_view member) override;
  Status heartbeat(std::string_view topic, std::string_view group, std::string_view member) override;
  Result<std::vector<std::uint32_t>> assignment(std::string_view topic, std::string_view group,
                                                std::string_view member) override;
  Status commit(std::string_view topic, std::string_view group, std::string_view member, std::uint64_t generation,
                std::uint32_t partition, std::int64_t offset) override;
  Result<std::optional<std::int64_t>> committed(std::string_view topic, std::string_view group,
                                                std::uint32_t partition) override;

 private:
  // LockingScheduler: forwards to the real scheduler; each callback takes the lock.
  class LockingScheduler final : public time::Scheduler {
   public:
    LockingScheduler(time::Scheduler& inner, RecursiveLock& lock) : inner_(inner), lock_(lock) {}
    time::Instant now() const override { return inner_.now(); }
    time::TimerId schedule_at(time::Instant deadline, Callback callback) override;
    bool cancel(time::TimerId id) override { return inner_.cancel(id); }

   private:
    time::Scheduler& inner_;
    RecursiveLock& lock_;
  };

  mutable RecursiveLock lock_;
  LockingScheduler scheduler_;
  std::unique_ptr<MessageBroker> backend_;
};

}  // namespace sluice::broker

#endif  // SLUICE_CORE_BROKER_SYNCHRONIZED_BROKER_H_
