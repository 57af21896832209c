#include "core/saga/saga_record.h"

#include <array>
#include <limits>
#include <utility>

#include "core/config/parse_json.h"

namespace sluice::saga {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 5> kStateNames = {"RUNNING", "COMPENSATING", "COMPLETED", "COMPENSATED",
                                                         "FAILED_NEEDS_ATTENTION"};
constexpr std::array<std::string_view, 5> kTypeNames = {"started", "attempt_started", "attempt_succeeded",
                                                        "attempt_failed", "state_changed"};
constexpr std::array<std::string_view, 2> kOperationNames = {"action", "compensation"};

bool is_attempt(RecordType type) {
  return type == RecordType::kAttemptStarted || type == RecordType::kAttemptSucceeded ||
         type == RecordType::kAttemptFailed;
}

// Reads the fields of one record object, each checked for type before it is read so
// that bad input is an error and never an exception.
class RecordReader {
 public:
  explicit RecordReader(const json& object) : object_(object) {}

  const json* find(std::string_view key) {
    const auto it = object_.find(key);
    return it == object_.end() ? nullptr : &*it;
  }

  bool text(std::string_view key, std::string& out, bool required) {
    const json* value = find(key);
    if (value == nullptr) return !required || fail(key, "is missing");
    if (!value->is_string()) return fail(key, "must be a string");
    out = value->get<std::string>();
    return true;
  }

  bool integer(std::string_view key, std::int64_t& out, std::int64_t low, std::int64_t high, bool required) {
    const json* value = find(key);
    if (value == nullptr) return !required || fail(key, "is missing");
    if (!value->is_number_integer()) return fail(key, "must be an integer");
    const std::int64_t number = value->get<std::int64_t>();
    if (value->is_number_unsigned() && value->get<std::uint64_t>() > static_cast<std::uint64_t>(high)) {
      return fail(key, "is out of range");
    }
    if (number < low || number > high) return fail(key, "is out of range");
    out = number;
    return true;
  }

  template <std::size_t N, typename E>
  bool name(std::string_view key, const std::array<std::string_view, N>& names, E& out) {
    std::string text_value;
    if (!text(key, text_value, true)) return false;
    for (std::size_t i = 0; i < N; ++i) {
      if (names[i] == text_value) {
        out = static_cast<E>(i);
        return true;
      }
    }
    return fail(key, "has an unknown value \"" + text_value + "\"");
  }

  bool fail(std::string_view key, const std::string& rule) {
    if (status_.ok()) status_ = Status::invalid_argument("saga record: \"" + std::string(key) + "\" " + rule);
    return false;
  }

  const Status& status() const { return status_; }

 private:
  const json& object_;
  Status status_;
};

}  // namespace

std::string_view saga_state_name(SagaState state) { return kStateNames[static_cast<std::size_t>(state)]; }
std::string_view operation_name(Operation operation) { return kOperationNames[static_cast<std::size_t>(operation)]; }
std::string_view record_type_name(RecordType type) { return kTypeNames[static_cast<std::size_t>(type)]; }

namespace {

// Writes JSON text directly: records are encoded on every transition of a durable
// saga, and building an nlohmann object for each costs more than the fsync it shares.
class RecordWriter {
 public:
  void key(std::string_view name) {
    out_ += out_.empty() ? "{\"" : ",\"";
    out_ += name;
    out_ += "\":";
  }
  void text(std::string_view name, std::string_view value) {
    key(name);
    bool plain = true;
    for (const char c : value) {
      const auto byte = static_cast<unsigned char>(c);
      plain = plain && byte >= 0x20 && byte < 0x7f && c != '"' && c != '\\';
    }
    if (plain) {
      out_ += '"';
      out_ += value;
      out_ += '"';
    } else {
      // Escapes, and replaces invalid UTF-8 rather than throw: a participant's error
      // message is not ours to trust.
      out_ += json(std::string(value)).dump(-1, ' ', false, json::error_handler_t::replace);
    }
  }
  void number(std::string_view name, std::int64_t value) {
    key(name);
    out_ += std::to_string(value);
  }
  void boolean(std::string_view name, bool value) {
    key(name);
    out_ += value ? "true" : "false";
  }
  void value(std::string_view name, const json& value) {
    key(name);
    out_ += value.dump(-1, ' ', false, json::error_handler_t::replace);
  }
  std::string finish() {
    out_ += '}';
    return std::move(out_);
  }

 private:
  std::string out_;
};

}  // namespace

std::string encode_record(const SagaRecord& record) {
  RecordWriter w;
  w.text("type", record_type_name(record.type));
  w.text("saga", record.saga_id);
  w.number("at", time::nanos_since_epoch(record.at));
  switch (record.type) {
    case RecordType::kStarted:
      w.text("definition", record.definition);
      w.value("data", record.data);
      break;
    case RecordType::kAttemptSucceeded:
      w.value("data", record.data);
      break;
    case RecordType::kAttemptFailed:
      w.text("error_kind", record.error_kind);
      w.text("error_message", record.error_message);
      w.boolean("timed_out", record.timed_out);
      if (record.not_applied) w.boolean("not_applied", true);  // absent in logs written before it existed
      if (record.retry_after) w.number("retry_after_ns", record.retry_after->count());
      break;
    case RecordType::kStateChanged:
      w.text("state", saga_state_name(record.state));
      w.text("reason", record.reason);
      break;
    case RecordType::kAttemptStarted:
      break;
  }
  if (is_attempt(record.type)) {
    w.number("step", record.step);
    w.text("operation", operation_name(record.operation));
    w.number("attempt", record.attempt);
  }
  return w.finish();
}

Result<SagaRecord> decode_record(std::string_view text) {
  Result<json> parsed = config::parse_json(text);
  if (!parsed.ok()) return Status::invalid_argument("saga record: " + parsed.status().message());
  const json& object = *parsed;
  if (!object.is_object()) return Status::invalid_argument("saga record: must be a JSON object");
  SagaRecord record;
  RecordReader r(object);
  std::int64_t at = 0;
  if (!r.name("type", kTypeNames, record.type) || !r.text("saga", record.saga_id, true) ||
      !r.integer("at", at, std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max(), true)) {
    return r.status();
  }
  if (record.saga_id.empty()) return Status::invalid_argument("saga record: \"saga\" must not be empty");
  record.at = time::instant_from_nanos(at);
  if (is_attempt(record.type)) {
    std::int64_t step = 0;
    std::int64_t attempt = 0;
    if (!r.integer("step", step, 0, std::numeric_limits<std::uint32_t>::max(), true) ||
        !r.name("operation", kOperationNames, record.operation) ||
        !r.integer("attempt", attempt, 1, std::numeric_limits<std::uint32_t>::max(), true)) {
      return r.status();
    }
    record.step = static_cast<std::uint32_t>(step);
    record.attempt = static_cast<std::uint32_t>(attempt);
  }
  switch (record.type) {
    case RecordType::kStarted:
      if (!r.text("definition", record.definition, true)) return r.status();
      [[fallthrough]];
    case RecordType::kAttemptSucceeded:
      if (const json* data = r.find("data"); data != nullptr) {
        if (!data->is_object() && !data->is_null())
          return Status::invalid_argument("saga record: \"data\" must be an object");
        record.data = *data;
      }
      break;
    case RecordType::kAttemptFailed: {
      if (!r.text("error_kind", record.error_kind, true) || !r.text("error_message", record.error_message, false)) {
        return r.status();
      }
      if (const json* timed_out = r.find("timed_out"); timed_out != nullptr) {
        if (!timed_out->is_boolean()) return Status::invalid_argument("saga record: \"timed_out\" must be a boolean");
        record.timed_out = timed_out->get<bool>();
      }
      if (const json* not_applied = r.find("not_applied"); not_applied != nullptr) {
        if (!not_applied->is_boolean())
          return Status::invalid_argument("saga record: \"not_applied\" must be a boolean");
        record.not_applied = not_applied->get<bool>();
      }
      std::int64_t retry_after = -1;
      if (!r.integer("retry_after_ns", retry_after, 0, std::numeric_limits<std::int64_t>::max(), false)) {
        return r.status();
      }
      if (retry_after >= 0) record.retry_after = time::Duration(retry_after);
      break;
    }
    case RecordType::kStateChanged:
      if (!r.name("state", kStateNames, record.state) || !r.text("reason", record.reason, false)) return r.status();
      break;
    case RecordType::kAttemptStarted:
      break;
  }
  return record;
}

}  // namespace sluice::saga
