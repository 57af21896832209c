// amqp_table.h: AmqpTable, an AMQP field table (headers, queue and binding arguments)
// built from C++ values and kept alive for as long as librabbitmq reads it; and
// reading one back (strings, numbers, x-death).
//
//   AmqpTable args;
//   args.add("x-queue-type", "quorum");
//   args.add("x-delivery-limit", std::int64_t{4});
//   amqp_queue_declare(conn, channel, name, 0, 1, 0, 0, args.table());
#ifndef SLUICE_NATIVE_AMQP_AMQP_TABLE_H_
#define SLUICE_NATIVE_AMQP_AMQP_TABLE_H_

#include <amqp.h>

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::native {

class AmqpTable {
 public:
  AmqpTable() = default;
  AmqpTable(const AmqpTable&) = delete;
  AmqpTable& operator=(const AmqpTable&) = delete;

  void add(std::string_view key, std::string_view value);
  void add(std::string_view key, std::int64_t value);
  bool empty() const { return entries_.empty(); }

  // table: valid until this AmqpTable changes or goes.
  amqp_table_t table();

 private:
  amqp_bytes_t keep(std::string_view text);

  std::deque<std::string> strings_;  // a deque: adding never moves the ones handed out
  std::vector<amqp_table_entry_t> entries_;
};

// table_string: the value of `key` if it is a string.
std::optional<std::string> table_string(const amqp_table_t& table, std::string_view key);
// table_integer: the value of `key` if it is a whole number of any width.
std::optional<std::int64_t> table_integer(const amqp_table_t& table, std::string_view key);

// DeathRecord: the newest entry of RabbitMQ's x-death header: why and from where a
// message was dead-lettered ("rejected", "expired", "maxlen", "delivery_limit").
struct DeathRecord {
  std::string reason;
  std::string queue;
};
std::optional<DeathRecord> newest_death(const amqp_table_t& headers);

inline std::string_view as_view(amqp_bytes_t bytes) { return {static_cast<const char*>(bytes.bytes), bytes.len}; }

}  // namespace sluice::native

#endif  // SLUICE_NATIVE_AMQP_AMQP_TABLE_H_
