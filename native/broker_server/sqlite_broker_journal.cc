#include "native/broker_server/sqlite_broker_journal.h"

#include <chrono>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "native/broker_server/sqs_wire.h"

namespace sluice::native {
namespace {

using nlohmann::json;

constexpr const char* kSchema[] = {
    // Creation order is rowid order: restore creates queues in it.
    "CREATE TABLE IF NOT EXISTS queues(name TEXT PRIMARY KEY, config TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS exchanges(name TEXT PRIMARY KEY, type INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS bindings(queue TEXT NOT NULL, exchange TEXT NOT NULL, key TEXT NOT NULL, "
    "arguments TEXT NOT NULL, PRIMARY KEY(queue, exchange, key, arguments))",
    // position: the order messages entered their queues (a FIFO group's order).
    "CREATE TABLE IF NOT EXISTS messages(position INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, "
    "queue TEXT NOT NULL, body TEXT NOT NULL, attributes TEXT NOT NULL, sent_at INTEGER NOT NULL, "
    "visible_at INTEGER NOT NULL, receive_count INTEGER NOT NULL, first_received_at INTEGER NOT NULL, "
    "group_id TEXT NOT NULL, sequence INTEGER NOT NULL)",
    "CREATE INDEX IF NOT EXISTS messages_by_queue ON messages(queue)",
    "CREATE TABLE IF NOT EXISTS deduplication(queue TEXT NOT NULL, key TEXT NOT NULL, message_id TEXT NOT NULL, "
    "sequence INTEGER NOT NULL, expires INTEGER NOT NULL, PRIMARY KEY(queue, key))",
    "CREATE INDEX IF NOT EXISTS deduplication_by_expiry ON deduplication(expires)",
};

// Expired deduplication entries are deleted at most this often, in some commit.
constexpr time::Duration kPruneEvery = std::chrono::seconds(60);

std::int64_t nanos(time::Duration d) { return d.count(); }

// config_text: every field of a QueueConfig, sluice's own bounds included.
std::string config_text(const broker::QueueConfig& config) {
  json out = {{"fifo", config.fifo},
              {"visibility_timeout_ns", nanos(config.visibility_timeout)},
              {"delay_ns", nanos(config.delay)},
              {"retention_ns", nanos(config.retention)},
              {"max_message_bytes", config.max_message_bytes},
              {"receive_wait_ns", nanos(config.receive_wait)},
              {"content_based_deduplication", config.content_based_deduplication},
              {"max_messages", config.max_messages},
              {"max_in_flight", config.max_in_flight},
              {"max_waiting_receives", config.max_waiting_receives}};
  if (config.redrive) {
    out["redrive"] = {{"dead_letter_queue", config.redrive->dead_letter_queue},
                      {"max_receive_count", config.redrive->max_receive_count}};
  }
  return out.dump();
}

Result<broker::QueueConfig> config_of(std::string_view text) {
  const json in = json::parse(text, nullptr, false);
  if (in.is_discarded() || !in.is_object()) return Status::invalid_argument("a queue's config is not JSON");
  try {
    broker::QueueConfig config;
    config.fifo = in.at("fifo").get<bool>();
    config.visibility_timeout = time::Duration(in.at("visibility_timeout_ns").get<std::int64_t>());
    config.delay = time::Duration(in.at("delay_ns").get<std::int64_t>());
    config.retention = time::Duration(in.at("retention_ns").get<std::int64_t>());
    config.max_message_bytes = in.at("max_message_bytes").get<std::uint32_t>();
    config.receive_wait = time::Duration(in.at("receive_wait_ns").get<std::int64_t>());
    config.content_based_deduplication = in.at("content_based_deduplication").get<bool>();
    config.max_messages = in.at("max_messages").get<std::uint32_t>();
    config.max_in_flight = in.at("max_in_flight").get<std::uint32_t>();
    config.max_waiting_receives = in.at("max_waiting_receives").get<std::uint32_t>();
    if (in.contains("redrive")) {
      config.redrive = broker::RedrivePolicy{in["redrive"].at("dead_letter_queue").get<std::string>(),
                                             in["redrive"].at("max_receive_count").get<std::uint32_t>()};
    }
    return config;
  } catch (const json::exception& e) {
    return Status::invalid_argument(std::string("a queue's config lacks a field: ") + e.what());
  }
}

// Message attributes as {"name": [data type, string value, base64 of the binary value]}.
std::string attributes_text(const broker::MessageAttributes* attributes) {
  json out = json::object();
  if (attributes != nullptr) {
    for (const auto& [name, value] : *attributes) {
      out[name] = {value.data_type, value.string_value, base64_encode(value.binary_value)};
    }
  }
  return out.dump();
}

Result<broker::MessageAttributes> attributes_of(std::string_view text) {
  const json in = json::parse(text, nullptr, false);
  if (in.is_discarded() || !in.is_object()) return Status::invalid_argument("a message's attributes are not JSON");
  broker::MessageAttributes attributes;
  for (const auto& [name, value] : in.items()) {
    if (!value.is_array() || value.size() != 3 || !value[2].is_string()) {
      return Status::invalid_argument("message attribute " + name + " is malformed");
    }
    std::optional<std::string> binary = base64_decode(value[2].get<std::string>());
    if (!binary) return Status::invalid_argument("message attribute " + name + " has bad base64");
    attributes[name] = {value[0].get<std::string>(), value[1].get<std::string>(), std::move(*binary)};
  }
  return attributes;
}

std::string arguments_text(const broker::Headers& arguments) {
  json out = json::object();
  for (const auto& [name, value] : arguments) out[name] = value;
  return out.dump();
}

}  // namespace

struct SqliteBrokerJournal::Statements {
  SqliteStatement configure_queue, delete_queue, delete_queue_messages, delete_queue_deduplication,
      delete_queue_bindings, declare_exchange, bind, store_message, receive_message, remove_message, purge,
      record_deduplication, prune_deduplication;
};

Result<std::unique_ptr<SqliteBrokerJournal>> SqliteBrokerJournal::open(const std::string& path,
                                                                       const time::Clock& clock) {
  Result<SqliteDb> opened = SqliteDb::open(path);
  if (!opened.ok()) return opened.status();
  SqliteDb db = *std::move(opened);
  for (const char* sql : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL"}) {
    SLUICE_RETURN_IF_ERROR(db.exec(sql));
  }
  for (const char* sql : kSchema) {
    SLUICE_RETURN_IF_ERROR(db.exec(sql));
  }
  auto statements = std::make_unique<Statements>();
  const std::pair<SqliteStatement*, const char*> prepared[] = {
      {&statements->configure_queue,
       "INSERT INTO queues(name, config) VALUES(?1, ?2) ON CONFLICT(name) DO UPDATE SET config = excluded.config"},
      {&statements->delete_queue, "DELETE FROM queues WHERE name = ?1"},
      {&statements->delete_queue_messages, "DELETE FROM messages WHERE queue = ?1"},
      {&statements->delete_queue_deduplication, "DELETE FROM deduplication WHERE queue = ?1"},
      {&statements->delete_queue_bindings, "DELETE FROM bindings WHERE queue = ?1"},
      {&statements->declare_exchange, "INSERT OR REPLACE INTO exchanges(name, type) VALUES(?1, ?2)"},
      {&statements->bind, "INSERT OR IGNORE INTO bindings(queue, exchange, key, arguments) VALUES(?1, ?2, ?3, ?4)"},
      {&statements->store_message,
       "INSERT OR REPLACE INTO messages(id, queue, body, attributes, sent_at, visible_at, receive_count, "
       "first_received_at, group_id, sequence) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"},
      {&statements->receive_message, "UPDATE messages SET receive_count = ?2, first_received_at = ?3 WHERE id = ?1"},
      {&statements->remove_message, "DELETE FROM messages WHERE id = ?1"},
      {&statements->purge, "DELETE FROM messages WHERE queue = ?1"},
      {&statements->record_deduplication,
       "INSERT OR REPLACE INTO deduplication(queue, key, message_id, sequence, expires) VALUES(?1, ?2, ?3, ?4, ?5)"},
      {&statements->prune_deduplication, "DELETE FROM deduplication WHERE expires <= ?1"},
  };
  for (const auto& [statement, sql] : prepared) {
    Result<SqliteStatement> made = db.prepare(sql);
    if (!made.ok()) return made.status();
    *statement = *std::move(made);
  }
  return std::unique_ptr<SqliteBrokerJournal>(new SqliteBrokerJournal(std::move(db), std::move(statements), clock));
}

SqliteBrokerJournal::SqliteBrokerJournal(SqliteDb db, std::unique_ptr<Statements> statements, const time::Clock& clock)
    : db_(std::move(db)),
      statements_(std::move(statements)),
      clock_(clock),
      wall_offset_nanos_(
          std::chrono::duration_cast<time::Duration>(std::chrono::system_clock::now().time_since_epoch()).count() -
          time::nanos_since_epoch(clock.now())),
      last_prune_(clock.now()) {}

SqliteBrokerJournal::~SqliteBrokerJournal() = default;

std::int64_t SqliteBrokerJournal::wall_nanos(time::Instant instant) const {
  return time::nanos_since_epoch(instant) + wall_offset_nanos_;
}

time::Instant SqliteBrokerJournal::instant_of(std::int64_t wall) const {
  return time::instant_from_nanos(wall - wall_offset_nanos_);
}

void SqliteBrokerJournal::write(SqliteStatement& statement) {
  if (!failure_.ok()) {
    statement.reset();
    return;
  }
  if (!in_transaction_) {
    if (Status s = db_.exec("BEGIN IMMEDIATE"); !s.ok()) {
      failure_ = s;
      statement.reset();
      return;
    }
    in_transaction_ = true;
  }
  if (Status s = statement.run(); !s.ok()) failure_ = s;
}

Status SqliteBrokerJournal::commit() {
  if (!failure_.ok()) return failure_;
  if (!in_transaction_) return Status();
  if (clock_.now() - last_prune_ >= kPruneEvery) {
    last_prune_ = clock_.now();
    statements_->prune_deduplication.bind(1, wall_nanos(clock_.now()));
    write(statements_->prune_deduplication);
  }
  if (Status s = db_.exec("COMMIT"); !s.ok() && failure_.ok()) failure_ = s;
  in_transaction_ = false;
  return failure_;
}

void SqliteBrokerJournal::queue_configured(std::string_view queue, const broker::QueueConfig& config) {
  SqliteStatement& s = statements_->configure_queue;
  s.bind(1, queue);
  s.bind(2, config_text(config));
  write(s);
}

void SqliteBrokerJournal::queue_deleted(std::string_view queue) {
  for (SqliteStatement* s : {&statements_->delete_queue, &statements_->delete_queue_messages,
                             &statements_->delete_queue_deduplication, &statements_->delete_queue_bindings}) {
    s->bind(1, queue);
    write(*s);
  }
}

void SqliteBrokerJournal::exchange_declared(std::string_view exchange, broker::ExchangeType type) {
  SqliteStatement& s = statements_->declare_exchange;
  s.bind(1, exchange);
  s.bind(2, static_cast<std::int64_t>(type));
  write(s);
}

void SqliteBrokerJournal::queue_bound(std::string_view queue, std::string_view exchange, std::string_view key,
                                      const broker::Headers& arguments) {
  SqliteStatement& s = statements_->bind;
  s.bind(1, queue);
  s.bind(2, exchange);
  s.bind(3, key);
  s.bind(4, arguments_text(arguments));
  write(s);
}

void SqliteBrokerJournal::message_stored(std::string_view queue, const broker::JournaledMessage& message) {
  SqliteStatement& s = statements_->store_message;
  s.bind(1, message.message_id);
  s.bind(2, queue);
  s.bind(3, message.body);
  s.bind(4, attributes_text(message.attributes));
  s.bind(5, wall_nanos(message.sent_at));
  s.bind(6, wall_nanos(message.visible_at));
  s.bind(7, static_cast<std::int64_t>(message.receive_count));
  s.bind(8, wall_nanos(message.first_received_at));
  s.bind(9, message.group_id);
  s.bind(10, static_cast<std::int64_t>(message.sequence));
  write(s);
}

void SqliteBrokerJournal::message_received(std::string_view /*queue*/, std::string_view message_id,
                                           std::uint32_t receive_count, time::Instant first_received_at) {
  SqliteStatement& s = statements_->receive_message;
  s.bind(1, message_id);
  s.bind(2, static_cast<std::int64_t>(receive_count));
  s.bind(3, wall_nanos(first_received_at));
  write(s);
}

void SqliteBrokerJournal::message_removed(std::string_view /*queue*/, std::string_view message_id) {
  SqliteStatement& s = statements_->remove_message;
  s.bind(1, message_id);
  write(s);
}

void SqliteBrokerJournal::queue_purged(std::string_view queue) {
  SqliteStatement& s = statements_->purge;
  s.bind(1, queue);
  write(s);
}

void SqliteBrokerJournal::deduplication_recorded(std::string_view queue, std::string_view key,
                                                 std::string_view message_id, std::uint64_t sequence,
                                                 time::Instant expires) {
  SqliteStatement& s = statements_->record_deduplication;
  s.bind(1, queue);
  s.bind(2, key);
  s.bind(3, message_id);
  s.bind(4, static_cast<std::int64_t>(sequence));
  s.bind(5, wall_nanos(expires));
  write(s);
}

Result<SqliteBrokerJournal::Restored> SqliteBrokerJournal::restore(broker::InMemoryBroker& broker) {
  Restored restored;
  SLUICE_RETURN_IF_ERROR(restore_queues(broker, restored));
  SLUICE_RETURN_IF_ERROR(restore_messages(broker, restored));
  broker.set_journal(this);
  return restored;
}

Status SqliteBrokerJournal::restore_queues(broker::InMemoryBroker& broker, Restored& restored) {
  Result<SqliteStatement> queues = db_.prepare("SELECT name, config FROM queues ORDER BY rowid");
  if (!queues.ok()) return queues.status();
  SqliteStatement queues_rows = *std::move(queues);
  // Every queue first, then the redrive policies: a dead-letter queue may be younger
  // than its source (SetQueueAttributes).
  std::vector<std::pair<std::string, broker::QueueConfig>> with_redrive;
  if (Status s = queues_rows.for_each_row([&] {
        const std::string name(queues_rows.column_text(0));
        Result<broker::QueueConfig> config = config_of(queues_rows.column_text(1));
        if (!config.ok()) return Status::invalid_argument("queue " + name + ": " + config.status().message());
        broker::QueueConfig plain = *config;
        plain.redrive.reset();
        if (Status s = broker.create_queue(name, plain); !s.ok()) {
          return Status(s.code(), "queue " + name + ": " + s.message());
        }
        if (config->redrive) with_redrive.emplace_back(name, *config);
        ++restored.queues;
        return Status();
      });
      !s.ok()) {
    return s;
  }
  for (const auto& [name, config] : with_redrive) {
    if (Status s = broker.set_queue_attributes(name, config); !s.ok()) {
      return Status(s.code(), "queue " + name + ": " + s.message());
    }
  }
  Result<SqliteStatement> exchanges = db_.prepare("SELECT name, type FROM exchanges ORDER BY rowid");
  if (!exchanges.ok()) return exchanges.status();
  SqliteStatement exchanges_rows = *std::move(exchanges);
  if (Status s = exchanges_rows.for_each_row([&] {
        ++restored.exchanges;
        return broker.declare_exchange(exchanges_rows.column_text(0),
                                       static_cast<broker::ExchangeType>(exchanges_rows.column_int(1)));
      });
      !s.ok()) {
    return s;
  }
  Result<SqliteStatement> bindings = db_.prepare("SELECT queue, exchange, key, arguments FROM bindings ORDER BY rowid");
  if (!bindings.ok()) return bindings.status();
  SqliteStatement bindings_rows = *std::move(bindings);
  return bindings_rows.for_each_row([&] {
    const json parsed = json::parse(bindings_rows.column_text(3), nullptr, false);
    broker::Headers arguments;
    if (parsed.is_object()) {
      for (const auto& [name, value] : parsed.items()) {
        arguments[name] = value.is_string() ? value.get<std::string>() : "";
      }
    }
    ++restored.bindings;
    return broker.bind_queue(bindings_rows.column_text(0), bindings_rows.column_text(1), bindings_rows.column_text(2),
                             arguments);
  });
}

Status SqliteBrokerJournal::restore_messages(broker::InMemoryBroker& broker, Restored& restored) {
  Result<SqliteStatement> messages = db_.prepare(
      "SELECT id, queue, body, attributes, sent_at, visible_at, receive_count, first_received_at, "
      "group_id, sequence FROM messages ORDER BY position");
  if (!messages.ok()) return messages.status();
  SqliteStatement messages_rows = *std::move(messages);
  if (Status s = messages_rows.for_each_row([&] {
        Result<broker::MessageAttributes> attributes = attributes_of(messages_rows.column_text(3));
        if (!attributes.ok()) return attributes.status();
        const broker::JournaledMessage message{
            messages_rows.column_text(0),
            messages_rows.column_text(2),
            attributes->empty() ? nullptr : &*attributes,
            instant_of(messages_rows.column_int(4)),
            instant_of(messages_rows.column_int(5)),
            static_cast<std::uint32_t>(messages_rows.column_int(6)),
            instant_of(messages_rows.column_int(7)),
            messages_rows.column_text(8),
            static_cast<std::uint64_t>(messages_rows.column_int(9)),
        };
        if (Status s = broker.restore_message(messages_rows.column_text(1), message); !s.ok()) {
          return Status(s.code(), "message " + std::string(message.message_id) + ": " + s.message());
        }
        ++restored.messages;
        return Status();
      });
      !s.ok()) {
    return s;
  }
  Result<SqliteStatement> windows = db_.prepare(
      "SELECT queue, key, message_id, sequence, expires FROM deduplication WHERE expires > ?1 ORDER BY expires");
  if (!windows.ok()) return windows.status();
  SqliteStatement windows_rows = *std::move(windows);
  windows_rows.bind(1, wall_nanos(clock_.now()));
  return windows_rows.for_each_row([&] {
    ++restored.deduplications;
    return broker.restore_deduplication(
        windows_rows.column_text(0), windows_rows.column_text(1), windows_rows.column_text(2),
        static_cast<std::uint64_t>(windows_rows.column_int(3)), instant_of(windows_rows.column_int(4)));
  });
}

}  // namespace sluice::native
