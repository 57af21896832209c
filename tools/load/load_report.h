// load_report.h: LoadReport, what the load generator measured: orders sent and how
// the POSTs ended (accepted, refused by load shedding, other answers, none), the
// latencies of each kind, and how the sagas ended; as text or as one JSON object.
#ifndef SLUICE_TOOLS_LOAD_LOAD_REPORT_H_
#define SLUICE_TOOLS_LOAD_LOAD_REPORT_H_

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace sluice::load {

// AnswerKind: how the service answered a POST.
enum class AnswerKind {
  kAccepted,  // 2xx: the order was taken
  kRefused,   // 503 or 429: shed under load, to be retried later
  kOther,     // any other status (409 out of stock, 400, 500, ...)
};

// kind_of_status: the kind of an HTTP status.
AnswerKind kind_of_status(int status);

// percentile: of sorted values (nearest rank); 0 without any.
double percentile(const std::vector<double>& sorted, double p);

struct LoadReport {
  double offered_rate = 0;                // orders per second asked for
  double seconds = 0;                     // how long sending took
  std::vector<double> accepted_ms;        // latencies of accepted POSTs
  std::vector<double> refused_ms;         // of refused ones
  std::vector<double> other_ms;           // of other answers
  std::map<int, std::uint64_t> statuses;  // HTTP status -> count (0: no answer)
  std::uint64_t completed = 0;            // CONFIRMED
  std::uint64_t compensated = 0;          // CANCELLED
  std::uint64_t failed = 0;               // FAILED_NEEDS_ATTENTION: neither done nor undone
  std::uint64_t unfinished = 0;           // still running when the wait ended
  std::uint64_t fallback_stock_checks = 0;

  // add_answer: one POST answered with `status` after `latency_ms` (status 0: none).
  void add_answer(int status, double latency_ms);

  // text: the summary printed at the end.
  std::string text();
  // json: the same as one object:
  //   {"offered_rate": 200, "seconds": 30, "sent": 6000, "statuses": {"201": 5990, ...},
  //    "accepted": {"count", "p50_ms", "p90_ms", "p99_ms", "max_ms"}, "refused": {...},
  //    "other": {...}, "unanswered": 0,
  //    "sagas": {"completed", "compensated", "failed", "unfinished"}, "fallback_stock_checks": 0}
  nlohmann::json json();

 private:
  void sort_latencies();
};

// progress_bar: "[#########...........]  12.0 s / 30 s  2400 sent  199.8/s".
std::string progress_bar(double elapsed, double total, std::uint64_t sent, int width = 30);

}  // namespace sluice::load

#endif  // SLUICE_TOOLS_LOAD_LOAD_REPORT_H_
