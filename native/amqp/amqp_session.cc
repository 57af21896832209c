#include "native/amqp/amqp_session.h"

#include <amqp_tcp_socket.h>

#include <thread>
#include <vector>

namespace sluice::native {
namespace {

using namespace std::chrono_literals;

timeval to_timeval(std::chrono::milliseconds wait) {
  return {static_cast<time_t>(wait.count() / 1000), static_cast<suseconds_t>((wait.count() % 1000) * 1000)};
}

amqp_bytes_t bytes_of(std::string_view text) { return {text.size(), const_cast<char*>(text.data())}; }

}  // namespace

std::string_view amqp_reason(int reply_code) {
  switch (reply_code) {
    case 311:
      return "CONTENT_TOO_LARGE";
    case 312:
      return "NO_ROUTE";
    case 313:
      return "NO_CONSUMERS";
    case 320:
      return "CONNECTION_FORCED";
    case 402:
      return "INVALID_PATH";
    case 403:
      return "ACCESS_REFUSED";
    case 404:
      return "NOT_FOUND";
    case 405:
      return "RESOURCE_LOCKED";
    case 406:
      return "PRECONDITION_FAILED";
    case 501:
      return "FRAME_ERROR";
    case 502:
      return "SYNTAX_ERROR";
    case 503:
      return "COMMAND_INVALID";
    case 504:
      return "CHANNEL_ERROR";
    case 505:
      return "UNEXPECTED_FRAME";
    case 506:
      return "RESOURCE_ERROR";
    case 530:
      return "NOT_ALLOWED";
    case 540:
      return "NOT_IMPLEMENTED";
    default:
      return "INTERNAL_ERROR";
  }
}

AmqpSession::AmqpSession(Options options, DeliveryHandler on_delivery)
    : options_(std::move(options)), on_delivery_(std::move(on_delivery)) {}

AmqpSession::~AmqpSession() { close(); }

Result<std::unique_ptr<AmqpSession>> AmqpSession::connect(Options options, DeliveryHandler on_delivery) {
  std::unique_ptr<AmqpSession> session(new AmqpSession(std::move(options), std::move(on_delivery)));
  SLUICE_RETURN_IF_ERROR(session->open());
  return session;
}

Status AmqpSession::open() {
  std::string url = options_.url;
  amqp_connection_info info;
  amqp_default_connection_info(&info);
  if (amqp_parse_url(url.data(), &info) != AMQP_STATUS_OK || info.ssl) {
    return Status::invalid_argument("\"" + options_.url +
                                    "\" is not an AMQP URL like amqp://user:password@127.0.0.1:5672/ (no amqps)");
  }
  // "amqp://host:5672/" names the empty vhost by the URI rules, which RabbitMQ never
  // has: it means the default one, as it does to people.
  if (info.vhost == nullptr || info.vhost[0] == '\0') info.vhost = const_cast<char*>("/");
  connection_ = amqp_new_connection();
  amqp_socket_t* socket = amqp_tcp_socket_new(connection_);
  const timeval timeout = to_timeval(2000ms);
  const std::string where = std::string(info.host) + ":" + std::to_string(info.port);
  if (socket == nullptr) {
    close();
    return Status(StatusCode::kUnavailable, "cannot make a socket for " + where);
  }
  if (int status = amqp_socket_open_noblock(socket, info.host, info.port, &timeout); status != AMQP_STATUS_OK) {
    close();
    return Status(StatusCode::kUnavailable,
                  "cannot connect to RabbitMQ at " + where + ": " + amqp_error_string2(status));
  }
  const amqp_rpc_reply_t login =
      amqp_login(connection_, info.vhost, 0, 131072, 0, AMQP_SASL_METHOD_PLAIN, info.user, info.password);
  if (login.reply_type != AMQP_RESPONSE_NORMAL) {
    std::string why = login.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION ? amqp_error_string2(login.library_error)
                                                                          : "the server closed the connection";
    if (login.reply_type == AMQP_RESPONSE_SERVER_EXCEPTION && login.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
      why = std::string(as_view(static_cast<amqp_connection_close_t*>(login.reply.decoded)->reply_text));
    }
    close();
    return Status(StatusCode::kUnavailable,
                  "RabbitMQ at " + where + " refused the login of user " + info.user + ": " + why);
  }
  ++generation_;
  open_.fill(false);
  acked_up_to_ = 0;
  next_publish_tag_ = 1;
  confirms_.clear();
  return Status();
}

void AmqpSession::close() {
  if (connection_ == nullptr) return;
  amqp_destroy_connection(connection_);
  connection_ = nullptr;
  open_.fill(false);
}

void AmqpSession::lost(std::string why) {
  last_error_ = std::move(why);
  close();
}

Status AmqpSession::reconnect() {
  const auto deadline = std::chrono::steady_clock::now() + options_.reconnect_for;
  auto backoff = 100ms;
  Status last;
  for (;;) {
    last = open();
    if (last.ok() && on_reconnected_) last = on_reconnected_();
    if (last.ok()) return last;
    close();
    if (std::chrono::steady_clock::now() + backoff > deadline) break;
    // Blocking on purpose: every operation of the backend is synchronous, and the
    // server is not there to answer it.
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(1000));
  }
  return Status(StatusCode::kUnavailable, "RabbitMQ is unreachable (after " + last_error_ + "): " + last.message());
}

Status AmqpSession::open_channel(amqp_channel_t channel) {
  amqp_channel_open(connection_, channel);
  SLUICE_RETURN_IF_ERROR(check(amqp_get_rpc_reply(connection_), channel, "channel.open"));
  if (channel == kPublish) {
    amqp_confirm_select(connection_, channel);
    SLUICE_RETURN_IF_ERROR(check(amqp_get_rpc_reply(connection_), channel, "confirm.select"));
    next_publish_tag_ = 1;
    acked_up_to_ = 0;
    confirms_.clear();
  }
  open_[channel] = true;
  return Status();
}

Status AmqpSession::ready(amqp_channel_t channel) {
  if (connection_ == nullptr) {
    SLUICE_RETURN_IF_ERROR(reconnect());
  }
  if (!open_[channel]) return open_channel(channel);
  return Status();
}

Status AmqpSession::check_status(int status, std::string_view what) {
  if (status == AMQP_STATUS_OK) return Status();
  lost(std::string(what) + ": " + amqp_error_string2(status));
  return Status(StatusCode::kUnavailable, "the connection to RabbitMQ was lost during " + std::string(what));
}

void AmqpSession::give_back(amqp_channel_t channel, std::uint64_t delivery_tag) {
  const int status = amqp_basic_nack(connection_, channel, delivery_tag, /*multiple=*/0, /*requeue=*/1);
  if (status != AMQP_STATUS_OK) lost(std::string("basic.nack: ") + amqp_error_string2(status));
}

Status AmqpSession::check(amqp_rpc_reply_t reply, amqp_channel_t channel, std::string_view what) {
  switch (reply.reply_type) {
    case AMQP_RESPONSE_NORMAL:
      return Status();
    case AMQP_RESPONSE_SERVER_EXCEPTION:
      if (reply.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
        const auto* closed = static_cast<amqp_channel_close_t*>(reply.reply.decoded);
        const int code = closed->reply_code;
        std::string text(as_view(closed->reply_text));
        amqp_channel_close_ok_t ok{};
        amqp_send_method(connection_, channel, AMQP_CHANNEL_CLOSE_OK_METHOD, &ok);
        open_[channel] = false;
        const StatusCode status_code = code == 404   ? StatusCode::kNotFound
                                       : code == 405 ? StatusCode::kResourceExhausted
                                                     : StatusCode::kFailedPrecondition;
        return Status(status_code, std::string(what) + ": " + text, amqp_reason(code));
      }
      if (reply.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
        const auto* closed = static_cast<amqp_connection_close_t*>(reply.reply.decoded);
        std::string text(as_view(closed->reply_text));
        amqp_connection_close_ok_t ok{};
        amqp_send_method(connection_, 0, AMQP_CONNECTION_CLOSE_OK_METHOD, &ok);
        lost("the server closed the connection: " + text);
        return Status(StatusCode::kUnavailable, std::string(what) + ": RabbitMQ closed the connection: " + text);
      }
      lost("an unexpected server answer");
      return Status(StatusCode::kUnavailable, std::string(what) + ": an unexpected answer from RabbitMQ");
    case AMQP_RESPONSE_LIBRARY_EXCEPTION:
    case AMQP_RESPONSE_NONE:
    default:
      lost(std::string(what) + ": " + amqp_error_string2(reply.library_error));
      return Status(StatusCode::kUnavailable, "the connection to RabbitMQ was lost during " + std::string(what));
  }
}

AmqpIncoming AmqpSession::read_content(amqp_channel_t channel, std::uint64_t tag, std::string consumer_tag,
                                       std::string routing_key, bool redelivered, bool* ok) {
  AmqpIncoming in{.channel = channel,
                  .delivery_tag = tag,
                  .consumer_tag = std::move(consumer_tag),
                  .routing_key = std::move(routing_key),
                  .redelivered = redelivered};
  amqp_message_t message;
  const amqp_rpc_reply_t reply = amqp_read_message(connection_, channel, &message, 0);
  *ok = reply.reply_type == AMQP_RESPONSE_NORMAL;
  if (!*ok) {
    lost("reading a message's content");
    return in;
  }
  in.body.assign(static_cast<const char*>(message.body.bytes), message.body.len);
  const amqp_basic_properties_t& p = message.properties;
  if (p._flags & AMQP_BASIC_MESSAGE_ID_FLAG) in.message_id = std::string(as_view(p.message_id));
  if (p._flags & AMQP_BASIC_PRIORITY_FLAG) in.priority = p.priority;
  if (p._flags & AMQP_BASIC_HEADERS_FLAG) {
    for (int i = 0; i < p.headers.num_entries; ++i) {
      const amqp_table_entry_t& e = p.headers.entries[i];
      if (e.value.kind == AMQP_FIELD_KIND_UTF8 || e.value.kind == AMQP_FIELD_KIND_BYTES) {
        in.string_headers.emplace(std::string(as_view(e.key)), std::string(as_view(e.value.value.bytes)));
      }
    }
    in.delivery_count = table_integer(p.headers, "x-delivery-count");
    in.sent_ns = table_integer(p.headers, "x-sluice-sent-ns");
    in.death = newest_death(p.headers);
  }
  amqp_destroy_message(&message);
  return in;
}

bool AmqpSession::read_frame(std::chrono::milliseconds wait) {
  if (connection_ == nullptr) return false;
  amqp_frame_t frame;
  timeval timeout = to_timeval(wait);
  const int status = amqp_simple_wait_frame_noblock(connection_, &frame, &timeout);
  if (status == AMQP_STATUS_TIMEOUT) return false;
  if (status != AMQP_STATUS_OK) {
    lost(std::string("reading from RabbitMQ: ") + amqp_error_string2(status));
    return false;
  }
  if (frame.frame_type != AMQP_FRAME_METHOD) return true;  // heartbeats and stray content
  const amqp_channel_t channel = frame.channel;
  switch (frame.payload.method.id) {
    case AMQP_BASIC_DELIVER_METHOD: {
      const auto* d = static_cast<amqp_basic_deliver_t*>(frame.payload.method.decoded);
      bool ok = false;
      AmqpIncoming in = read_content(channel, d->delivery_tag, std::string(as_view(d->consumer_tag)),
                                     std::string(as_view(d->routing_key)), d->redelivered != 0, &ok);
      if (ok && on_delivery_) on_delivery_(std::move(in));
      break;
    }
    case AMQP_BASIC_ACK_METHOD:
    case AMQP_BASIC_NACK_METHOD: {
      const bool accepted = frame.payload.method.id == AMQP_BASIC_ACK_METHOD;
      std::uint64_t tag = 0;
      bool multiple = false;
      if (accepted) {
        const auto* a = static_cast<amqp_basic_ack_t*>(frame.payload.method.decoded);
        tag = a->delivery_tag;
        multiple = a->multiple != 0;
      } else {
        const auto* n = static_cast<amqp_basic_nack_t*>(frame.payload.method.decoded);
        tag = n->delivery_tag;
        multiple = n->multiple != 0;
      }
      if (multiple) {
        for (std::uint64_t t = acked_up_to_ + 1; t <= tag; ++t) confirms_.emplace(t, accepted);
      } else {
        confirms_.emplace(tag, accepted);
      }
      break;
    }
    case AMQP_BASIC_RETURN_METHOD: {
      bool ok = false;
      read_content(channel, 0, "", "", false, &ok);
      returned_ = true;
      break;
    }
    case AMQP_CHANNEL_CLOSE_METHOD: {
      const auto* c = static_cast<amqp_channel_close_t*>(frame.payload.method.decoded);
      if (channel == kPublish) publish_channel_error_ = {c->reply_code, std::string(as_view(c->reply_text))};
      amqp_channel_close_ok_t ok{};
      amqp_send_method(connection_, channel, AMQP_CHANNEL_CLOSE_OK_METHOD, &ok);
      open_[channel] = false;
      break;
    }
    case AMQP_CONNECTION_CLOSE_METHOD: {
      const auto* c = static_cast<amqp_connection_close_t*>(frame.payload.method.decoded);
      std::string text(as_view(c->reply_text));
      amqp_connection_close_ok_t ok{};
      amqp_send_method(connection_, 0, AMQP_CONNECTION_CLOSE_OK_METHOD, &ok);
      lost("the server closed the connection: " + text);
      return false;
    }
    default:
      break;  // basic.cancel from the server, flow, ...: nothing to do here
  }
  if (connection_ != nullptr) amqp_maybe_release_buffers(connection_);
  return true;
}

void AmqpSession::pump(std::chrono::milliseconds wait) {
  if (connection_ == nullptr) return;
  if (read_frame(wait)) {
    while (read_frame(0ms)) {
    }
  }
}

Result<PublishConfirm> AmqpSession::publish(std::string_view exchange, std::string_view routing_key, bool mandatory,
                                            AmqpTable& headers, const AmqpOutgoing& outgoing, std::string_view body) {
  SLUICE_RETURN_IF_ERROR(ready(kPublish));
  amqp_basic_properties_t properties{};
  properties._flags = AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_CONTENT_TYPE_FLAG;
  properties.delivery_mode = 2;  // persistent: durable queues keep it across a restart
  properties.content_type = amqp_cstring_bytes("application/octet-stream");
  if (!headers.empty()) {
    properties._flags |= AMQP_BASIC_HEADERS_FLAG;
    properties.headers = headers.table();
  }
  if (!outgoing.message_id.empty()) {
    properties._flags |= AMQP_BASIC_MESSAGE_ID_FLAG;
    properties.message_id = bytes_of(outgoing.message_id);
  }
  if (outgoing.priority > 0) {
    properties._flags |= AMQP_BASIC_PRIORITY_FLAG;
    properties.priority = outgoing.priority;
  }
  std::string expiration;
  if (outgoing.expiration) {
    expiration = std::to_string(outgoing.expiration->count());
    properties._flags |= AMQP_BASIC_EXPIRATION_FLAG;
    properties.expiration = bytes_of(expiration);
  }
  returned_ = false;
  publish_channel_error_.reset();
  const std::uint64_t tag = next_publish_tag_++;
  SLUICE_RETURN_IF_ERROR(
      check_status(amqp_basic_publish(connection_, kPublish, bytes_of(exchange), bytes_of(routing_key),
                                      mandatory ? 1 : 0, 0, &properties, bytes_of(body)),
                   "basic.publish"));
  const auto deadline = std::chrono::steady_clock::now() + options_.confirm_timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (auto it = confirms_.find(tag); it != confirms_.end()) {
      const PublishConfirm confirm{.routed = !returned_, .accepted = it->second};
      while (!confirms_.empty() && confirms_.begin()->first == acked_up_to_ + 1) {
        acked_up_to_ = confirms_.begin()->first;
        confirms_.erase(confirms_.begin());
      }
      return confirm;
    }
    if (publish_channel_error_) {
      const auto [code, text] = *publish_channel_error_;
      return Status(code == 404 ? StatusCode::kNotFound : StatusCode::kFailedPrecondition, "basic.publish: " + text,
                    amqp_reason(code));
    }
    if (connection_ == nullptr) {
      return Status(StatusCode::kUnavailable, "the connection to RabbitMQ was lost before the publish was confirmed");
    }
    read_frame(50ms);
  }
  lost("no publisher confirm within the timeout");
  return Status(StatusCode::kUnavailable, "RabbitMQ did not confirm the publish in time");
}

Result<std::optional<AmqpIncoming>> AmqpSession::get(std::string_view queue) {
  SLUICE_RETURN_IF_ERROR(ready(kGets));
  const amqp_rpc_reply_t reply = amqp_basic_get(connection_, kGets, bytes_of(queue), 0);
  SLUICE_RETURN_IF_ERROR(check(reply, kGets, "basic.get"));
  if (reply.reply.id != AMQP_BASIC_GET_OK_METHOD) return std::optional<AmqpIncoming>();
  const auto* got = static_cast<amqp_basic_get_ok_t*>(reply.reply.decoded);
  bool ok = false;
  AmqpIncoming in =
      read_content(kGets, got->delivery_tag, "", std::string(as_view(got->routing_key)), got->redelivered != 0, &ok);
  if (!ok) return Status(StatusCode::kUnavailable, "the connection to RabbitMQ was lost during basic.get");
  return std::optional<AmqpIncoming>(std::move(in));
}

}  // namespace sluice::native
