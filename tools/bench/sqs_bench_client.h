// sqs_bench_client.h: SqsBenchClient, one HTTP/1.1 keep-alive connection making SQS
// calls (AWS JSON 1.0) to a sluice broker, for benchmarks: as little client CPU as it
// can, since the client shares the machine with the server it measures.
#ifndef SLUICE_TOOLS_BENCH_SQS_BENCH_CLIENT_H_
#define SLUICE_TOOLS_BENCH_SQS_BENCH_CLIENT_H_

#include <algorithm>
#include <asio.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::bench {

class SqsBenchClient {
 public:
  explicit SqsBenchClient(std::uint16_t port) : socket_(io_) {
    socket_.connect({asio::ip::make_address("127.0.0.1"), port});
    socket_.set_option(asio::ip::tcp::no_delay(true));
  }

  nlohmann::json call(std::string_view operation, const nlohmann::json& body) {
    return nlohmann::json::parse(call_raw(operation, body.dump()));
  }

  // call_raw: the response body as text. Each call's time goes into latencies().
  std::string call_raw(std::string_view operation, const std::string& payload) {
    const std::string request =
        "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amz-json-1.0\r\n"
        "X-Amz-Target: AmazonSQS." +
        std::string(operation) + "\r\nContent-Length: " + std::to_string(payload.size()) + "\r\n\r\n" + payload;
    const auto started = std::chrono::steady_clock::now();
    asio::write(socket_, asio::buffer(request));
    buffer_.clear();
    std::size_t end = std::string::npos;
    std::size_t head_end = std::string::npos;
    while (end == std::string::npos || buffer_.size() < end) {
      char chunk[16384];
      buffer_.append(chunk, socket_.read_some(asio::buffer(chunk)));
      head_end = buffer_.find("\r\n\r\n");
      if (head_end == std::string::npos) continue;
      const std::size_t at = buffer_.find("Content-Length: ");
      end = head_end + 4 + std::stoul(buffer_.substr(at + 16));
    }
    latencies_.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - started).count());
    return buffer_.substr(head_end + 4, end - head_end - 4);
  }

  // values_of: every string value of `key` in a response, in order; receipt handles and
  // bodies are plain tokens in our answers, so a scan does without parsing the JSON.
  static std::vector<std::string> values_of(const std::string& response, std::string_view key) {
    std::vector<std::string> values;
    const std::string quoted = "\"" + std::string(key) + "\":\"";
    for (std::size_t at = response.find(quoted); at != std::string::npos; at = response.find(quoted, at + 1)) {
      const std::size_t start = at + quoted.size();
      values.push_back(response.substr(start, response.find('"', start) - start));
    }
    return values;
  }

  std::vector<double>& latencies() { return latencies_; }

 private:
  asio::io_context io_;
  asio::ip::tcp::socket socket_;
  std::string buffer_;
  std::vector<double> latencies_;
};

}  // namespace sluice::bench

#endif  // SLUICE_TOOLS_BENCH_SQS_BENCH_CLIENT_H_
