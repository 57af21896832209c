// What the stack reads from /metrics, and the table it draws from it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "native/stack/prometheus_text.h"
#include "native/stack/status_table.h"

namespace sluice::native {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr const char* kScrape = R"(# HELP http_requests_total HTTP requests answered
# TYPE http_requests_total counter
http_requests_total{method="POST",route="/api/orders",status="201",target_service="order"} 90
http_requests_total{method="GET",route="/metrics",status="200",target_service="order"} 500
http_request_errors_total{method="POST",route="/api/orders",status="503",target_service="order"} 10
http_request_duration_seconds_bucket{method="POST",route="/api/orders",le="0.01"} 50
http_request_duration_seconds_bucket{method="POST",route="/api/orders",le="0.05"} 98
http_request_duration_seconds_bucket{method="POST",route="/api/orders",le="+Inf"} 100
http_request_duration_seconds_bucket{method="GET",route="/metrics",le="+Inf"} 500
circuit_breaker_state{name="inventory-grpc",state="OPEN"} 1
circuit_breaker_state{name="inventory-grpc",state="CLOSED"} 0
adaptive_concurrency_limit{name="order"} 40
adaptive_concurrency_in_flight{name="order"} 12
adaptive_concurrency_rejected_total{name="order"} 250
not a sample line
)";

TEST(PrometheusTextTest, ParsesSamplesWithLabels) {
  const std::vector<Sample> samples = parse_prometheus_text(kScrape);
  ASSERT_EQ(samples.size(), 12u);
  EXPECT_EQ(samples[0].name, "http_requests_total");
  EXPECT_EQ(samples[0].labels.at("route"), "/api/orders");
  EXPECT_EQ(samples[0].value, 90);
  EXPECT_EQ(samples[5].labels.at("le"), "+Inf");
}

TEST(PrometheusTextTest, TotalsLeaveOutTheServicesOwnRoutes) {
  const ServiceTotals totals = totals_of(parse_prometheus_text(kScrape));
  EXPECT_EQ(totals.requests, 90);  // not the 500 scrapes of /metrics
  EXPECT_EQ(totals.errors, 10);
  EXPECT_EQ(totals.duration_buckets.rbegin()->second, 100);
  EXPECT_THAT(totals.breakers, ElementsAre(std::pair<std::string, std::string>{"inventory-grpc", "OPEN"}));
  ASSERT_EQ(totals.limiters.count("order"), 1u);
  EXPECT_EQ(totals.limiters.at("order").limit, 40);
  EXPECT_EQ(totals.limiters.at("order").in_flight, 12);
  EXPECT_EQ(totals.limiters.at("order").rejected, 250);
}

TEST(PrometheusTextTest, QuantilesComeFromTheBucketsBetweenTwoScrapes) {
  ServiceTotals before;
  before.duration_buckets = {{0.01, 40}, {0.05, 40}, {INFINITY, 40}};
  ServiceTotals after;
  after.duration_buckets = {{0.01, 50}, {0.05, 98}, {INFINITY, 100}};  // 60 new: 10 fast, 48 mid, 2 slow
  EXPECT_EQ(quantile_between(before, after, 0.5), 0.05);
  EXPECT_EQ(quantile_between(before, after, 0.99), INFINITY);
  EXPECT_EQ(quantile_between(after, after, 0.99), std::nullopt);  // no requests in between
}

TEST(StatusTableTest, DrawsAlignedRowsForServicesAndQueues) {
  const std::string table =
      render_status({{"order", "3001", "ready", 12.5, 0.5, 0.05, "inventory-grpc OPEN", 2, "killed by SIGKILL", "12/40",
                      250.0},
                     {"notification", "3003", "exited with 1", 0, 0, std::nullopt, "", 0, "", "", std::nullopt}},
                    {{"notification-events", 3, 1}}, {"Try: curl ..."});
  EXPECT_THAT(table, HasSubstr("│ order        │ 3001 │ ready         │ 12.5  │ 0.5   │ ≤ 50 ms │ 12/40           │ "
                               "250.0  │ inventory-grpc OPEN │ 2        │ killed by SIGKILL │"));
  EXPECT_THAT(table, HasSubstr("│ notification │ 3003 │ exited with 1 │ 0.0   │ 0.0   │ -       │ -               │ "
                               "-      │ -                   │ 0        │ -                 │"));
  EXPECT_THAT(table, HasSubstr("│ restarts │ last exit         │"));
  EXPECT_THAT(table, HasSubstr("│ notification-events │ 3       │ 1         │"));
  EXPECT_THAT(table, HasSubstr("Try: curl ...\n"));
  // Every line of the service table is as wide as the others.
  std::vector<std::size_t> widths;
  std::size_t start = 0;
  for (int line = 0; line < 6; ++line) {
    const std::size_t end = table.find('\n', start);
    std::size_t characters = 0;
    for (std::size_t i = start; i < end; ++i) characters += (static_cast<unsigned char>(table[i]) & 0xC0) != 0x80;
    widths.push_back(characters);
    start = end + 1;
  }
  EXPECT_THAT(widths, ::testing::Each(widths[0]));
}

}  // namespace
}  // namespace sluice::native
