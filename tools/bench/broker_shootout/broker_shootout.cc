// The broker shootout: one workload on three brokers, each a server process on
// loopback, in the same run (tools/bench/broker_shootout/run.sh starts them):
//   - sluice's broker (//native:broker, in memory) through its SQS endpoint over HTTP;
//   - RabbitMQ (Debian's rabbitmq-server), a classic queue, through librabbitmq;
//   - Redis Streams (Debian's redis-server, no persistence), a consumer group, through
//     hiredis.
// The workload: 100-byte messages, each published and acknowledged by the broker
// before the producer sends the next (SQS SendMessage answered, a RabbitMQ publisher
// confirm, an XADD reply), by 1 or 4 producers, each on its own connection; one
// consumer receives and acknowledges them (ReceiveMessage of 10 and
// DeleteMessageBatch; basic.consume with prefetch 100 and basic.ack; XREADGROUP of 100
// and XACK). msgs_per_s counts messages consumed and acknowledged per second of wall
// time; p50/p99 are publish-to-consume latencies (the send time travels in the body).
// None of the three keeps the messages on disk here. Compare ratios within one run;
// absolute figures drift on a shared machine.
#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <benchmark/benchmark.h>
#include <hiredis/hiredis.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tools/bench/sqs_bench_client.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr int kMessages = 20'000;  // per run, whatever the number of producers
constexpr std::size_t kBodyBytes = 100;

std::string env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr) {
    std::fprintf(stderr,
                 "%s is not set: run tools/bench/broker_shootout/run.sh (tools/bazel run -c opt "
                 "//tools/bench/broker_shootout)\n",
                 name);
    std::exit(2);
  }
  return value;
}

// body: the send time in nanoseconds, padded to 100 bytes.
std::string body_now() {
  std::string body = std::to_string(Clock::now().time_since_epoch().count());
  body.resize(kBodyBytes, 'x');
  return body;
}

double latency_us(std::string_view body) {
  const long long sent = std::stoll(std::string(body.substr(0, body.find('x'))));
  return static_cast<double>(Clock::now().time_since_epoch().count() - sent) / 1000.0;
}

// A broker as the workload sees it: connections for producers, and one consumer.
struct Peer {
  virtual ~Peer() = default;
  virtual void reset() = 0;  // an empty queue or stream before each run
  // producer: a function that publishes one message and returns once it is acknowledged.
  virtual std::function<void(const std::string&)> producer() = 0;
  // consume: receives and acknowledges messages until `count` were seen, passing each body on.
  virtual void consume(int count, const std::function<void(std::string_view)>& seen) = 0;
};

void run(benchmark::State& state, Peer& peer) {
  const int producers = static_cast<int>(state.range(0));
  std::vector<double> latencies;
  latencies.reserve(kMessages * 3);
  double seconds = 0;
  for (auto _ : state) {
    peer.reset();
    const auto started = Clock::now();
    std::vector<std::thread> threads;
    for (int p = 0; p < producers; ++p) {
      threads.emplace_back([&peer, n = kMessages / producers] {
        auto publish = peer.producer();
        for (int i = 0; i < n; ++i) publish(body_now());
      });
    }
    peer.consume(kMessages, [&](std::string_view body) { latencies.push_back(latency_us(body)); });
    const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
    for (std::thread& t : threads) t.join();
    state.SetIterationTime(elapsed);
    seconds += elapsed;
  }
  std::sort(latencies.begin(), latencies.end());
  state.counters["msgs_per_s"] = static_cast<double>(kMessages) * static_cast<double>(state.iterations()) / seconds;
  state.counters["p50_us"] = latencies[latencies.size() / 2];
  state.counters["p99_us"] = latencies[latencies.size() * 99 / 100];
}

// ---- sluice: the SQS endpoint of //native:broker

class SluicePeer final : public Peer {
 public:
  SluicePeer() : port_(static_cast<std::uint16_t>(std::stoi(env("SHOOTOUT_SLUICE_PORT")))) {
    sluice::bench::SqsBenchClient admin(port_);
    url_ = admin.call("CreateQueue", {{"QueueName", "shootout"}})["QueueUrl"];
  }
  void reset() override {
    sluice::bench::SqsBenchClient admin(port_);
    admin.call("PurgeQueue", {{"QueueUrl", url_}});
  }
  std::function<void(const std::string&)> producer() override {
    auto client = std::make_shared<sluice::bench::SqsBenchClient>(port_);
    return [client, prefix = R"({"QueueUrl":")" + url_ + R"(","MessageBody":")"](const std::string& body) {
      client->call_raw("SendMessage", prefix + body + "\"}");
    };
  }
  void consume(int count, const std::function<void(std::string_view)>& seen) override {
    sluice::bench::SqsBenchClient client(port_);
    const std::string receive =
        nlohmann::json{{"QueueUrl", url_}, {"MaxNumberOfMessages", 10}, {"WaitTimeSeconds", 1}}.dump();
    for (int got = 0; got < count;) {
      const std::string answer = client.call_raw("ReceiveMessage", receive);
      std::string deletes = R"({"QueueUrl":")" + url_ + R"(","Entries":[)";
      int n = 0;
      for (const std::string& handle : client.values_of(answer, "ReceiptHandle")) {
        if (n > 0) deletes += ',';
        deletes += R"({"Id":"d)" + std::to_string(n++) + R"(","ReceiptHandle":")" + handle + R"("})";
      }
      for (const std::string& body : client.values_of(answer, "Body")) seen(body);
      if (n > 0) client.call_raw("DeleteMessageBatch", deletes + "]}");
      got += n;
    }
  }

 private:
  std::uint16_t port_;
  std::string url_;
};

// ---- RabbitMQ through librabbitmq

class Amqp {
 public:
  explicit Amqp(const std::string& url) : connection_(amqp_new_connection()) {
    std::string copy = url;
    amqp_connection_info info;
    amqp_parse_url(copy.data(), &info);
    amqp_socket_t* socket = amqp_tcp_socket_new(connection_);
    if (amqp_socket_open(socket, info.host, info.port) != AMQP_STATUS_OK ||
        amqp_login(connection_, "/", 0, 131072, 0, AMQP_SASL_METHOD_PLAIN, info.user, info.password).reply_type !=
            AMQP_RESPONSE_NORMAL) {
      std::fprintf(stderr, "cannot reach RabbitMQ at %s\n", url.c_str());
      std::exit(2);
    }
    amqp_channel_open(connection_, 1);
    expect_ok("channel.open");
  }
  ~Amqp() {
    amqp_connection_close(connection_, AMQP_REPLY_SUCCESS);
    amqp_destroy_connection(connection_);
  }
  amqp_connection_state_t get() { return connection_; }
  void expect_ok(const char* what) {
    if (amqp_get_rpc_reply(connection_).reply_type != AMQP_RESPONSE_NORMAL) {
      std::fprintf(stderr, "RabbitMQ refused %s\n", what);
      std::exit(2);
    }
  }

 private:
  amqp_connection_state_t connection_;
};

class RabbitPeer final : public Peer {
 public:
  RabbitPeer() : url_(env("SLUICE_AMQP_URL")), admin_(url_) {
    amqp_queue_declare(admin_.get(), 1, amqp_cstring_bytes("shootout"), 0, 0, 0, 0, amqp_empty_table);
    admin_.expect_ok("queue.declare");
  }
  void reset() override {
    amqp_queue_purge(admin_.get(), 1, amqp_cstring_bytes("shootout"));
    admin_.expect_ok("queue.purge");
  }
  std::function<void(const std::string&)> producer() override {
    auto amqp = std::make_shared<Amqp>(url_);
    amqp_confirm_select(amqp->get(), 1);
    amqp->expect_ok("confirm.select");
    return [amqp](const std::string& body) {
      amqp_basic_properties_t properties{};
      properties._flags = AMQP_BASIC_DELIVERY_MODE_FLAG;
      properties.delivery_mode = 1;  // transient, like the others here
      amqp_basic_publish(amqp->get(), 1, amqp_empty_bytes, amqp_cstring_bytes("shootout"), 0, 0, &properties,
                         amqp_bytes_t{body.size(), const_cast<char*>(body.data())});
      for (;;) {  // the confirm
        amqp_frame_t frame;
        if (amqp_simple_wait_frame(amqp->get(), &frame) != AMQP_STATUS_OK) std::exit(3);
        if (frame.frame_type == AMQP_FRAME_METHOD && frame.payload.method.id == AMQP_BASIC_ACK_METHOD) break;
      }
    };
  }
  void consume(int count, const std::function<void(std::string_view)>& seen) override {
    Amqp amqp(url_);
    amqp_basic_qos(amqp.get(), 1, 0, 100, 0);
    amqp.expect_ok("basic.qos");
    amqp_basic_consume(amqp.get(), 1, amqp_cstring_bytes("shootout"), amqp_empty_bytes, 0, 0, 0, amqp_empty_table);
    amqp.expect_ok("basic.consume");
    for (int got = 0; got < count; ++got) {
      amqp_envelope_t envelope;
      amqp_maybe_release_buffers(amqp.get());
      if (amqp_consume_message(amqp.get(), &envelope, nullptr, 0).reply_type != AMQP_RESPONSE_NORMAL) std::exit(3);
      seen({static_cast<const char*>(envelope.message.body.bytes), envelope.message.body.len});
      amqp_basic_ack(amqp.get(), 1, envelope.delivery_tag, 0);
      amqp_destroy_envelope(&envelope);
    }
  }

 private:
  std::string url_;
  Amqp admin_;
};

// ---- Redis Streams through hiredis

struct RedisDeleter {
  void operator()(redisContext* c) const { redisFree(c); }
};
using Redis = std::unique_ptr<redisContext, RedisDeleter>;

Redis connect_redis(int port) {
  Redis redis(redisConnect("127.0.0.1", port));
  if (!redis || redis->err) {
    std::fprintf(stderr, "cannot reach Redis on 127.0.0.1:%d\n", port);
    std::exit(2);
  }
  return redis;
}

class RedisPeer final : public Peer {
 public:
  RedisPeer() : port_(std::stoi(env("SHOOTOUT_REDIS_PORT"))), admin_(connect_redis(port_)) {}
  void reset() override {
    freeReplyObject(redisCommand(admin_.get(), "DEL shootout"));
    freeReplyObject(redisCommand(admin_.get(), "XGROUP CREATE shootout readers $ MKSTREAM"));
  }
  std::function<void(const std::string&)> producer() override {
    auto redis = std::make_shared<Redis>(connect_redis(port_));
    return [redis](const std::string& body) {
      freeReplyObject(redisCommand(redis->get(), "XADD shootout * b %b", body.data(), body.size()));
    };
  }
  void consume(int count, const std::function<void(std::string_view)>& seen) override {
    Redis redis = connect_redis(port_);
    for (int got = 0; got < count;) {
      auto* reply = static_cast<redisReply*>(
          redisCommand(redis.get(), "XREADGROUP GROUP readers one COUNT 100 BLOCK 1000 STREAMS shootout >"));
      if (reply == nullptr) std::exit(3);
      std::vector<std::string> ack = {"XACK", "shootout", "readers"};
      if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 1) {
        const redisReply* entries = reply->element[0]->element[1];
        for (std::size_t i = 0; i < entries->elements; ++i) {
          const redisReply* entry = entries->element[i];
          ack.emplace_back(entry->element[0]->str, entry->element[0]->len);
          const redisReply* fields = entry->element[1];
          seen({fields->element[1]->str, fields->element[1]->len});
        }
      }
      freeReplyObject(reply);
      if (ack.size() > 3) {
        std::vector<const char*> argv;
        std::vector<std::size_t> lengths;
        for (const std::string& a : ack) {
          argv.push_back(a.data());
          lengths.push_back(a.size());
        }
        freeReplyObject(redisCommandArgv(redis.get(), static_cast<int>(argv.size()), argv.data(), lengths.data()));
        got += static_cast<int>(ack.size() - 3);
      }
    }
  }

 private:
  int port_;
  Redis admin_;
};

template <typename P>
void BM_Broker(benchmark::State& state) {
  static P peer;
  run(state, peer);
}

BENCHMARK_TEMPLATE(BM_Broker, SluicePeer)->Name("sluice_sqs_http")->Arg(1)->Arg(4)->UseManualTime()->Iterations(3);
BENCHMARK_TEMPLATE(BM_Broker, RabbitPeer)->Name("rabbitmq_amqp")->Arg(1)->Arg(4)->UseManualTime()->Iterations(3);
BENCHMARK_TEMPLATE(BM_Broker, RedisPeer)->Name("redis_streams")->Arg(1)->Arg(4)->UseManualTime()->Iterations(3);

}  // namespace
