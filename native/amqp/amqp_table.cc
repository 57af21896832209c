#include "native/amqp/amqp_table.h"

namespace sluice::native {

amqp_bytes_t AmqpTable::keep(std::string_view text) {
  strings_.emplace_back(text);
  std::string& kept = strings_.back();
  return {kept.size(), kept.data()};
}

void AmqpTable::add(std::string_view key, std::string_view value) {
  amqp_table_entry_t entry{};
  entry.key = keep(key);
  entry.value.kind = AMQP_FIELD_KIND_UTF8;
  entry.value.value.bytes = keep(value);
  entries_.push_back(entry);
}

void AmqpTable::add(std::string_view key, std::int64_t value) {
  amqp_table_entry_t entry{};
  entry.key = keep(key);
  entry.value.kind = AMQP_FIELD_KIND_I64;
  entry.value.value.i64 = value;
  entries_.push_back(entry);
}

amqp_table_t AmqpTable::table() {
  return {static_cast<int>(entries_.size()), entries_.empty() ? nullptr : entries_.data()};
}

namespace {

const amqp_field_value_t* find(const amqp_table_t& table, std::string_view key) {
  for (int i = 0; i < table.num_entries; ++i) {
    if (as_view(table.entries[i].key) == key) return &table.entries[i].value;
  }
  return nullptr;
}

std::optional<std::string> string_of(const amqp_field_value_t& value) {
  if (value.kind == AMQP_FIELD_KIND_UTF8 || value.kind == AMQP_FIELD_KIND_BYTES) {
    return std::string(as_view(value.value.bytes));
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> table_string(const amqp_table_t& table, std::string_view key) {
  const amqp_field_value_t* value = find(table, key);
  return value != nullptr ? string_of(*value) : std::nullopt;
}

std::optional<std::int64_t> table_integer(const amqp_table_t& table, std::string_view key) {
  const amqp_field_value_t* value = find(table, key);
  if (value == nullptr) return std::nullopt;
  switch (value->kind) {
    case AMQP_FIELD_KIND_I8:
      return value->value.i8;
    case AMQP_FIELD_KIND_U8:
      return value->value.u8;
    case AMQP_FIELD_KIND_I16:
      return value->value.i16;
    case AMQP_FIELD_KIND_U16:
      return value->value.u16;
    case AMQP_FIELD_KIND_I32:
      return value->value.i32;
    case AMQP_FIELD_KIND_U32:
      return value->value.u32;
    case AMQP_FIELD_KIND_I64:
      return value->value.i64;
    case AMQP_FIELD_KIND_U64:
      return static_cast<std::int64_t>(value->value.u64);
    default:
      return std::nullopt;
  }
}

std::optional<DeathRecord> newest_death(const amqp_table_t& headers) {
  const amqp_field_value_t* deaths = find(headers, "x-death");
  // RabbitMQ puts the newest first.
  if (deaths == nullptr || deaths->kind != AMQP_FIELD_KIND_ARRAY || deaths->value.array.num_entries == 0) {
    return std::nullopt;
  }
  const amqp_field_value_t& first = deaths->value.array.entries[0];
  if (first.kind != AMQP_FIELD_KIND_TABLE) return std::nullopt;
  DeathRecord record;
  record.reason = table_string(first.value.table, "reason").value_or("");
  record.queue = table_string(first.value.table, "queue").value_or("");
  return record;
}

}  // namespace sluice::native
