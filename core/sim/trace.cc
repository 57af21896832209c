#include "core/sim/trace.h"

#include <cstring>
#include <variant>

namespace sluice::sim {
namespace {

// bits_of: a double's bits (std::bit_cast is missing from the libc++ em++ 3.1.6 ships).
std::uint64_t bits_of(double value) {
  std::uint64_t bits = 0;
  std::memcpy(&bits, &value, sizeof bits);
  return bits;
}

}  // namespace

Trace::Trace() { intern(""); }

std::uint32_t Trace::intern(std::string_view text) {
  if (auto found = ids_.find(text); found != ids_.end()) return found->second;
  const auto id = static_cast<std::uint32_t>(strings_.size());
  strings_.emplace_back(text);
  ids_.emplace(strings_.back(), id);
  counts_.push_back(0);
  return id;
}

// Interned ids are assigned in the order strings first appear, which is itself part of
// the event stream, so mixing ids (not pointers or hashes) is platform-independent.
void Trace::mix(std::uint64_t value) {
  for (int byte = 0; byte < 8; ++byte) {
    digest_ ^= (value >> (8 * byte)) & 0xff;
    digest_ *= 1099511628211ull;  // FNV-1a prime
  }
}

void Trace::on_event(const observe::Event& event) {
  TraceEvent stored{.when_ns = event.when.time_since_epoch().count(),
                    .what = intern(event.what),
                    .where = intern(event.where),
                    .first_attribute = static_cast<std::uint32_t>(attributes_.size()),
                    .attribute_count = static_cast<std::uint32_t>(event.attributes.size())};
  mix(static_cast<std::uint64_t>(stored.when_ns));
  mix(stored.what);
  mix(stored.where);
  for (const observe::Attribute& a : event.attributes) {
    TraceAttribute attribute{.key = intern(a.key)};
    if (const auto* i = std::get_if<std::int64_t>(&a.value)) {
      attribute.number = *i;
    } else if (const auto* d = std::get_if<double>(&a.value)) {
      attribute.kind = TraceAttribute::Kind::kDouble;
      attribute.real = *d;
    } else {
      attribute.kind = TraceAttribute::Kind::kText;
      attribute.number = intern(std::get<std::string_view>(a.value));
    }
    mix(attribute.key);
    mix(attribute.kind == TraceAttribute::Kind::kDouble ? bits_of(attribute.real)
                                                        : static_cast<std::uint64_t>(attribute.number));
    attributes_.push_back(attribute);
  }
  ++counts_[stored.what];
  events_.push_back(stored);
}

const TraceAttribute* Trace::attributes(const TraceEvent& event) const {
  return attributes_.data() + event.first_attribute;
}

nlohmann::json Trace::json(std::uint64_t cursor) const {
  const TraceEvent& e = event(cursor);
  nlohmann::json out = {{"t", e.when_ns}, {"what", text(e.what)}, {"where", text(e.where)}};
  const TraceAttribute* a = attributes(e);
  for (std::uint32_t i = 0; i < e.attribute_count; ++i) {
    const std::string key(text(a[i].key));
    switch (a[i].kind) {
      case TraceAttribute::Kind::kInt:
        out[key] = a[i].number;
        break;
      case TraceAttribute::Kind::kDouble:
        out[key] = a[i].real;
        break;
      case TraceAttribute::Kind::kText:
        out[key] = text(static_cast<std::uint32_t>(a[i].number));
        break;
    }
  }
  return out;
}

void Trace::discard_before(std::uint64_t cursor) {
  if (cursor <= base_) return;
  if (cursor > end()) cursor = end();
  const auto drop = static_cast<std::size_t>(cursor - base_);
  if (drop == events_.size()) {
    events_.clear();
    attributes_.clear();
  } else {
    const std::uint32_t first_kept = events_[drop].first_attribute;
    events_.erase(events_.begin(), events_.begin() + static_cast<std::ptrdiff_t>(drop));
    attributes_.erase(attributes_.begin(), attributes_.begin() + first_kept);
    for (TraceEvent& e : events_) e.first_attribute -= first_kept;
  }
  base_ = cursor;
}

std::uint64_t Trace::count_of(std::string_view what) const {
  auto found = ids_.find(what);
  return found == ids_.end() ? 0 : counts_[found->second];
}

}  // namespace sluice::sim
