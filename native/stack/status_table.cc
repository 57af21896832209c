#include "native/stack/status_table.h"

#include <algorithm>
#include <cstdio>

namespace sluice::native {
namespace {

// display_width: characters, not bytes (the text is UTF-8).
std::size_t display_width(const std::string& text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

std::string fixed(double value, int decimals) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.*f", decimals, value);
  return text;
}

std::string draw(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths(header.size());
  for (std::size_t i = 0; i < header.size(); ++i) widths[i] = display_width(header[i]);
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], display_width(row[i]));
  }
  const auto rule = [&](const char* left, const char* middle, const char* right) {
    std::string line = left;
    for (std::size_t i = 0; i < widths.size(); ++i) {
      for (std::size_t j = 0; j < widths[i] + 2; ++j) line += "─";
      line += i + 1 == widths.size() ? right : middle;
    }
    return line + "\n";
  };
  const auto cells = [&](const std::vector<std::string>& row) {
    std::string line = "│";
    for (std::size_t i = 0; i < widths.size(); ++i) {
      const std::string& cell = i < row.size() ? row[i] : std::string();
      line += " " + cell + std::string(widths[i] - display_width(cell), ' ') + " │";
    }
    return line + "\n";
  };
  std::string out = rule("┌", "┬", "┐") + cells(header) + rule("├", "┼", "┤");
  for (const auto& row : rows) out += cells(row);
  return out + rule("└", "┴", "┘");
}

}  // namespace

std::string render_status(const std::vector<ServiceRow>& services, const std::vector<QueueRow>& queues,
                          const std::vector<std::string>& footer) {
  std::vector<std::vector<std::string>> rows;
  for (const ServiceRow& s : services) {
    rows.push_back({s.service, s.port, s.state, fixed(s.requests_per_second, 1), fixed(s.errors_per_second, 1),
                    s.p99_seconds ? "≤ " + fixed(*s.p99_seconds * 1000, 0) + " ms" : "-",
                    s.limit.empty() ? "-" : s.limit, s.shed_per_second ? fixed(*s.shed_per_second, 1) : "-",
                    s.breakers.empty() ? "-" : s.breakers, std::to_string(s.restarts),
                    s.last_exit.empty() ? "-" : s.last_exit});
  }
  std::string out = draw({"service", "port", "state", "req/s", "err/s", "p99", "in flight/limit", "shed/s", "breakers",
                          "restarts", "last exit"},
                         rows);
  if (!queues.empty()) {
    std::vector<std::vector<std::string>> queue_rows;
    for (const QueueRow& q : queues) {
      queue_rows.push_back({q.queue, std::to_string(q.visible), std::to_string(q.in_flight)});
    }
    out += draw({"queue", "visible", "in flight"}, queue_rows);
  }
  for (const std::string& line : footer) out += line + "\n";
  return out;
}

}  // namespace sluice::native
