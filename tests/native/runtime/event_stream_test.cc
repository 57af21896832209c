// GET /events over loopback: events arrive as Server-Sent Events, a reconnecting client
// gets what it missed, and shutdown ends the stream.
#include "native/runtime/event_stream.h"

#include <gtest/gtest.h>

#include "core/observe/event_json.h"
#include "tests/native/runtime/http_test_client.h"

namespace sluice::native {
namespace {

using nlohmann::json;

// open_events: a connection that has asked for GET /events with `headers` (each ending
// in CRLF).
asio::ip::tcp::socket open_events(asio::io_context& io, std::uint16_t port, const std::string& headers = "") {
  asio::ip::tcp::socket socket(io);
  socket.connect({asio::ip::make_address("127.0.0.1"), port});
  asio::write(socket, asio::buffer("GET /events HTTP/1.1\r\nHost: x\r\n" + headers + "\r\n"));
  return socket;
}

// read_frames: reads until `count` "data: " lines have arrived.
std::vector<json> read_frames(asio::ip::tcp::socket& socket, int count, std::string& received) {
  std::vector<json> frames;
  for (;;) {
    frames.clear();
    for (std::size_t at = received.find("data: "); at != std::string::npos; at = received.find("data: ", at + 1)) {
      const std::size_t end = received.find('\n', at);
      if (end == std::string::npos) break;
      frames.push_back(json::parse(received.substr(at + 6, end - at - 6)));
    }
    if (static_cast<int>(frames.size()) >= count) return frames;
    std::array<char, 4096> chunk;
    asio::error_code error;
    const std::size_t n = socket.read_some(asio::buffer(chunk), error);
    if (error) return frames;
    received.append(chunk.data(), n);
  }
}

void publish(testing::ServerThread& server, EventHub& hub, std::string what, std::int64_t value) {
  std::promise<void> done;
  asio::post(server.io(), [&] {
    const std::array<observe::Attribute, 1> attributes = {{{"value", value}}};
    hub.on_event({.what = what,
                  .where = "payment",
                  .when = time::Instant(std::chrono::seconds(value)),
                  .attributes = attributes});
    done.set_value();
  });
  done.get_future().wait();
}

std::size_t subscribers(testing::ServerThread& server, EventHub& hub) {
  std::promise<std::size_t> count;
  asio::post(server.io(), [&] { count.set_value(hub.subscribers()); });
  return count.get_future().get();
}

TEST(EventStreamTest, StreamsEventsAndReplaysWhatAReconnectingClientMissed) {
  EventHub hub;
  Router router;
  ASSERT_TRUE(add_events_route(router, hub).ok());
  testing::ServerThread server(router, {});
  asio::io_context io;
  asio::ip::tcp::socket socket = open_events(io, server.port());
  for (int i = 0; i < 100 && subscribers(server, hub) == 0; ++i) std::this_thread::yield();
  ASSERT_EQ(subscribers(server, hub), 1u);
  publish(server, hub, "breaker.state_changed", 1);
  publish(server, hub, "breaker.call_rejected", 2);
  std::string received;
  std::vector<json> frames = read_frames(socket, 2, received);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_NE(received.find("Content-Type: text/event-stream"), std::string::npos);
  EXPECT_NE(received.find("Transfer-Encoding: chunked"), std::string::npos);
  EXPECT_EQ(frames[0]["what"], "breaker.state_changed");
  EXPECT_EQ(frames[0]["where"], "payment");
  EXPECT_EQ(frames[0]["when_ns"], 1'000'000'000);
  EXPECT_EQ(frames[1]["attributes"]["value"], 2);
  EXPECT_NE(received.find("id: 2\n"), std::string::npos);

  // A second client that saw event 1 gets event 2 again on connecting.
  asio::ip::tcp::socket again = open_events(io, server.port(), "Last-Event-ID: 1\r\n");
  std::string replayed;
  std::vector<json> missed = read_frames(again, 1, replayed);
  ASSERT_EQ(missed.size(), 1u);
  EXPECT_EQ(missed[0]["what"], "breaker.call_rejected");

  // Shutdown ends both streams with the last chunk.
  std::promise<void> drained;
  asio::post(server.io(), [&] { server.server().shutdown([&] { drained.set_value(); }); });
  EXPECT_EQ(drained.get_future().wait_for(std::chrono::seconds(5)), std::future_status::ready);
  std::array<char, 4096> rest;
  asio::error_code error;
  std::string tail;
  for (std::size_t n; (n = socket.read_some(asio::buffer(rest), error)), !error;) tail.append(rest.data(), n);
  EXPECT_NE((received + tail).find("0\r\n\r\n"), std::string::npos);
}

TEST(EventStreamTest, AFreshClientGetsTheSnapshotFirstAndAReconnectingOneDoesNot) {
  EventHub hub;
  std::string breaker_state = "CLOSED";
  hub.set_snapshot([&](observe::EventSink& to) {
    const std::array<observe::Attribute, 1> attributes = {{{"state", std::string_view(breaker_state)}}};
    to.on_event({.what = "breaker.state", .where = "payment", .attributes = attributes});
  });
  Router router;
  ASSERT_TRUE(add_events_route(router, hub).ok());
  testing::ServerThread server(router, {});
  asio::io_context io;
  asio::ip::tcp::socket first = open_events(io, server.port());
  std::string first_received;
  std::vector<json> first_frames = read_frames(first, 1, first_received);
  ASSERT_EQ(first_frames.size(), 1u);
  EXPECT_EQ(first_frames[0]["attributes"]["state"], "CLOSED");
  EXPECT_EQ(first_received.find("id: "), std::string::npos) << "snapshot events carry no id";

  publish(server, hub, "breaker.call_rejected", 1);
  asio::post(server.io(), [&] { breaker_state = "OPEN"; });
  publish(server, hub, "breaker.call_rejected", 2);  // after the state change: the loop runs in order

  asio::ip::tcp::socket fresh = open_events(io, server.port());
  std::string received;
  std::vector<json> frames = read_frames(fresh, 1, received);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0]["what"], "breaker.state");
  EXPECT_EQ(frames[0]["attributes"]["state"], "OPEN") << "the state now, not at the first event";

  asio::ip::tcp::socket again = open_events(io, server.port(), "Last-Event-ID: 1\r\n");
  std::string replayed;
  std::vector<json> missed = read_frames(again, 1, replayed);
  ASSERT_EQ(missed.size(), 1u);
  EXPECT_EQ(missed[0]["what"], "breaker.call_rejected") << "a reconnecting client gets what it missed instead";
  EXPECT_EQ(missed[0]["attributes"]["value"], 2);
}

TEST(EventStreamTest, NothingIsKeptBeforeAnyoneAttached) {
  EventHub hub;
  Router router;
  ASSERT_TRUE(add_events_route(router, hub).ok());
  testing::ServerThread server(router, {});
  publish(server, hub, "queue.sent", 1);  // no one listening yet
  asio::io_context io;
  asio::ip::tcp::socket socket = open_events(io, server.port(), "Last-Event-ID: 0\r\n");
  for (int i = 0; i < 100 && subscribers(server, hub) == 0; ++i) std::this_thread::yield();
  publish(server, hub, "queue.sent", 2);
  std::string received;
  std::vector<json> frames = read_frames(socket, 1, received);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0]["attributes"]["value"], 2) << "event 1 came before anyone attached";
  EXPECT_NE(received.find("id: 2\n"), std::string::npos) << "ids still count every event";
}

TEST(EventStreamTest, AnOriginIsSchemeHostAndPortOnly) {
  for (const char* good : {"http://127.0.0.1:8080", "https://playground.example", "http://localhost:3000", ""}) {
    EXPECT_TRUE(check_origin(good).ok()) << good;
  }
  for (const char* bad : {"127.0.0.1:8080", "http://127.0.0.1:8080/", "http://:8080", "http://127.0.0.1:0",
                          "http://127.0.0.1:99999", "http://127.0.0.1:80x", "ftp://127.0.0.1", "*"}) {
    Status status = check_origin(bad);
    EXPECT_FALSE(status.ok()) << bad;
    EXPECT_NE(status.message().find("is not an origin"), std::string::npos) << status.message();
  }
}

TEST(EventStreamTest, ABadLastEventIdIs400) {
  EventHub hub;
  Router router;
  ASSERT_TRUE(add_events_route(router, hub).ok());
  testing::ServerThread server(router, {});
  testing::RawClient client(server.port());
  client.send("GET /events HTTP/1.1\r\nHost: x\r\nLast-Event-ID: seven\r\nConnection: close\r\n\r\n");
  EXPECT_NE(client.read_until_closed().find("InvalidLastEventId"), std::string::npos);
}

TEST(EventJsonTest, HasTheOneEventShape) {
  const std::array<observe::Attribute, 3> attributes = {
      {{"from", std::string_view("CLOSED")}, {"rate", 0.5}, {"count", std::int64_t{3}}}};
  const json out = observe::event_to_json({.what = "breaker.state_changed",
                                           .where = "inventory",
                                           .when = time::Instant(std::chrono::milliseconds(1500)),
                                           .trace_id = "4bf92f3577b34da6a3ce929d0e0e4736",
                                           .attributes = attributes});
  EXPECT_EQ(out, json::parse(R"({"what":"breaker.state_changed","where":"inventory","when_ns":1500000000,
      "trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","attributes":{"from":"CLOSED","rate":0.5,"count":3}})"));
}

}  // namespace
}  // namespace sluice::native
