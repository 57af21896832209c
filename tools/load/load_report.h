// load_report.h: LoadReport, what the load generator measured: orders sent and how
// the POSTs ended, their latencies, and how the sagas ended; with the text it prints.
#ifndef SLUICE_TOOLS_LOAD_LOAD_REPORT_H_
#define SLUICE_TOOLS_LOAD_LOAD_REPORT_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace sluice::load {

struct LoadReport {
  double seconds = 0;                     // how long sending took
  std::vector<double> latencies_ms;       // of answered POSTs
  std::map<int, std::uint64_t> statuses;  // HTTP status -> count (0: no answer)
  std::uint64_t completed = 0;            // CONFIRMED
  std::uint64_t compensated = 0;          // CANCELLED
  std::uint64_t failed = 0;               // FAILED_NEEDS_ATTENTION: neither done nor undone
  std::uint64_t unfinished = 0;           // still running when the wait ended
  std::uint64_t fallback_stock_checks = 0;

  // percentile: of latencies_ms (nearest rank); 0 without any. REQUIRES: sorted.
  double percentile(double p) const;
  // text: the summary printed at the end.
  std::string text();
};

// progress_bar: "[#########...........]  12.0 s / 30 s  2400 sent  199.8/s".
std::string progress_bar(double elapsed, double total, std::uint64_t sent, int width = 30);

}  // namespace sluice::load

#endif  // SLUICE_TOOLS_LOAD_LOAD_REPORT_H_
