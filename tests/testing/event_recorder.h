// EventRecorder: an EventSink that keeps each event as one line of text,
// "what key=value key=value", so tests compare what happened in order.
#ifndef SLUICE_TESTS_TESTING_EVENT_RECORDER_H_
#define SLUICE_TESTS_TESTING_EVENT_RECORDER_H_

#include <string>
#include <string_view>
#include <vector>

#include "core/observe/event.h"

namespace sluice::testing {

class EventRecorder : public observe::EventSink {
 public:
  void on_event(const observe::Event& event) override {
    std::string line(event.what);
    for (const observe::Attribute& attribute : event.attributes) {
      line += " ";
      line += attribute.key;
      line += "=";
      if (const auto* i = std::get_if<std::int64_t>(&attribute.value)) line += std::to_string(*i);
      if (const auto* d = std::get_if<double>(&attribute.value)) line += std::to_string(*d);
      if (const auto* s = std::get_if<std::string_view>(&attribute.value)) line += *s;
    }
    lines.push_back(std::move(line));
  }

  // with_prefix: the lines whose event name starts with `prefix`, e.g. "breaker.state".
  std::vector<std::string> with_prefix(std::string_view prefix) const {
    std::vector<std::string> found;
    for (const std::string& line : lines) {
      if (line.starts_with(prefix)) found.push_back(line);
    }
    return found;
  }

  std::vector<std::string> lines;
};

}  // namespace sluice::testing

#endif  // SLUICE_TESTS_TESTING_EVENT_RECORDER_H_
