#include "core/broker/exchange_router.h"

#include <algorithm>

namespace sluice::broker {
namespace {

std::vector<std::string_view> words_of(std::string_view key) {
  std::vector<std::string_view> words;
  if (key.empty()) return words;  // no words at all (only "#" matches it)
  std::size_t start = 0;
  for (;;) {
    const std::size_t dot = key.find('.', start);
    words.push_back(key.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return words;
}

bool headers_match(const Headers& arguments, const Headers& headers) {
  const auto match = arguments.find("x-match");
  const bool any = match != arguments.end() && match->second == "any";
  for (const auto& [name, value] : arguments) {
    if (name.starts_with("x-")) continue;
    const auto it = headers.find(name);
    const bool equal = it != headers.end() && it->second == value;
    if (any && equal) return true;
    if (!any && !equal) return false;
  }
  return !any;  // all: every argument matched (or there were none); any: none did
}

}  // namespace

// A node per binding-key word; a key's queues sit on the node of its last word.
struct ExchangeRouter::TopicNode {
  std::map<std::string, std::unique_ptr<TopicNode>, std::less<>> children;  // literal words
  std::unique_ptr<TopicNode> star;                                          // "*"
  std::unique_ptr<TopicNode> hash;                                          // "#"
  std::map<std::string, int, std::less<>> queues;                           // queue -> bindings ending here

  TopicNode* child(std::string_view word, bool create) {
    std::unique_ptr<TopicNode>* slot = nullptr;
    if (word == "*") {
      slot = &star;
    } else if (word == "#") {
      slot = &hash;
    } else {
      auto it = children.find(word);
      if (it == children.end()) {
        if (!create) return nullptr;
        it = children.emplace(std::string(word), nullptr).first;
      }
      slot = &it->second;
    }
    if (!*slot && create) *slot = std::make_unique<TopicNode>();
    return slot->get();
  }

  // match: adds the queues of every binding matching words[i..].
  void match(const std::vector<std::string_view>& words, std::size_t i, std::set<std::string>& out) const {
    if (hash) {
      // "#" takes zero or more words: try every split.
      for (std::size_t k = i; k <= words.size(); ++k) hash->match(words, k, out);
    }
    if (i == words.size()) {
      for (const auto& [queue, count] : queues) out.insert(queue);
      return;
    }
    if (star) star->match(words, i + 1, out);
    if (const auto it = children.find(words[i]); it != children.end()) it->second->match(words, i + 1, out);
  }
};

struct ExchangeRouter::Exchange {
  ExchangeType type;
  // Direct and fanout: key -> queue -> count. Fanout ignores the key.
  std::map<std::string, std::map<std::string, int, std::less<>>, std::less<>> by_key;
  TopicNode topics;
  std::vector<std::pair<std::string, Headers>> header_bindings;  // queue, arguments
};

// Out of line: Exchange is complete only here.
ExchangeRouter::ExchangeRouter() = default;
ExchangeRouter::ExchangeRouter(Limits limits) : limits_(limits) {}
ExchangeRouter::~ExchangeRouter() = default;

Status ExchangeRouter::validate_exchange_name(std::string_view name) const {
  // RabbitMQ: up to 255 bytes of letters, digits, '-', '_', '.', ':'; "" is the default exchange.
  if (name.empty() || name.size() > 255) {
    return Status::invalid_argument("an exchange name must be 1 to 255 characters", amqp_error::kPreconditionFailed);
  }
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '_' || c == '.' || c == ':';
    if (!ok) {
      return Status::invalid_argument(
          "exchange name \"" + std::string(name) + "\" may hold only letters, digits, '-', '_', '.' and ':'",
          amqp_error::kPreconditionFailed);
    }
  }
  return Status();
}

const ExchangeRouter::Exchange* ExchangeRouter::find(std::string_view name) const {
  const auto it = exchanges_.find(name);
  return it == exchanges_.end() ? nullptr : it->second.get();
}

Status ExchangeRouter::declare_exchange(std::string_view name, ExchangeType type) {
  SLUICE_RETURN_IF_ERROR(validate_exchange_name(name));
  if (const Exchange* existing = find(name)) {
    if (existing->type == type) return Status();
    return Status(StatusCode::kFailedPrecondition, "exchange \"" + std::string(name) + "\" exists with another type",
                  amqp_error::kPreconditionFailed);
  }
  if (exchanges_.size() >= limits_.max_exchanges) {
    return Status(StatusCode::kResourceExhausted,
                  "at most " + std::to_string(limits_.max_exchanges) + " exchanges may be declared",
                  amqp_error::kResourceLocked);
  }
  auto exchange = std::make_unique<Exchange>();
  exchange->type = type;
  exchanges_.emplace(std::string(name), std::move(exchange));
  return Status();
}

Status ExchangeRouter::delete_exchange(std::string_view name) {
  const auto it = exchanges_.find(name);
  if (it == exchanges_.end()) {
    return Status(StatusCode::kNotFound, "no exchange \"" + std::string(name) + "\"", amqp_error::kNotFound);
  }
  // Its bindings go with it; count them back out.
  const Exchange& exchange = *it->second;
  std::size_t bindings = exchange.header_bindings.size();
  for (const auto& [key, queues] : exchange.by_key) {
    for (const auto& [queue, count] : queues) bindings += static_cast<std::size_t>(count);
  }
  std::vector<const TopicNode*> stack{&exchange.topics};
  while (!stack.empty()) {
    const TopicNode* node = stack.back();
    stack.pop_back();
    for (const auto& [queue, count] : node->queues) bindings += static_cast<std::size_t>(count);
    for (const auto& [word, child] : node->children) stack.push_back(child.get());
    if (node->star) stack.push_back(node->star.get());
    if (node->hash) stack.push_back(node->hash.get());
  }
  binding_count_ -= bindings;
  exchanges_.erase(it);
  return Status();
}

Status ExchangeRouter::bind(std::string_view queue, std::string_view exchange_name, std::string_view key,
                            const Headers& arguments) {
  const auto it = exchanges_.find(exchange_name);
  if (it == exchanges_.end()) {
    return Status(StatusCode::kNotFound, "no exchange \"" + std::string(exchange_name) + "\" to bind to",
                  amqp_error::kNotFound);
  }
  if (queue.empty()) return Status::invalid_argument("a binding needs a queue", amqp_error::kPreconditionFailed);
  if (binding_count_ >= limits_.max_bindings) {
    return Status(StatusCode::kResourceExhausted,
                  "at most " + std::to_string(limits_.max_bindings) + " bindings may exist",
                  amqp_error::kResourceLocked);
  }
  Exchange& exchange = *it->second;
  switch (exchange.type) {
    case ExchangeType::kDirect:
    case ExchangeType::kFanout: {
      int& count = exchange.by_key[std::string(exchange.type == ExchangeType::kFanout ? "" : key)][std::string(queue)];
      if (count > 0) return Status();  // the same binding again
      count = 1;
      break;
    }
    case ExchangeType::kTopic: {
      TopicNode* node = &exchange.topics;
      for (std::string_view word : words_of(key)) node = node->child(word, /*create=*/true);
      int& count = node->queues[std::string(queue)];
      if (count > 0) return Status();
      count = 1;
      break;
    }
    case ExchangeType::kHeaders: {
      const auto binding = std::make_pair(std::string(queue), arguments);
      if (std::find(exchange.header_bindings.begin(), exchange.header_bindings.end(), binding) !=
          exchange.header_bindings.end()) {
        return Status();
      }
      const auto match = arguments.find("x-match");
      if (match != arguments.end() && match->second != "all" && match->second != "any") {
        return Status::invalid_argument("x-match must be \"all\" or \"any\"; got \"" + match->second + "\"",
                                        amqp_error::kPreconditionFailed);
      }
      exchange.header_bindings.push_back(binding);
      break;
    }
  }
  ++binding_count_;
  return Status();
}

Status ExchangeRouter::unbind(std::string_view queue, std::string_view exchange_name, std::string_view key,
                              const Headers& arguments) {
  const auto it = exchanges_.find(exchange_name);
  if (it == exchanges_.end()) {
    return Status(StatusCode::kNotFound, "no exchange \"" + std::string(exchange_name) + "\"", amqp_error::kNotFound);
  }
  Exchange& exchange = *it->second;
  bool removed = false;
  switch (exchange.type) {
    case ExchangeType::kDirect:
    case ExchangeType::kFanout: {
      const auto by_key = exchange.by_key.find(exchange.type == ExchangeType::kFanout ? "" : key);
      if (by_key != exchange.by_key.end()) {
        const auto bound = by_key->second.find(queue);  // heterogeneous erase is C++23
        if (bound != by_key->second.end()) by_key->second.erase(bound), removed = true;
      }
      break;
    }
    case ExchangeType::kTopic: {
      TopicNode* node = &exchange.topics;
      for (std::string_view word : words_of(key)) {
        node = node->child(word, /*create=*/false);
        if (node == nullptr) break;
      }
      if (node != nullptr) {
        const auto found = node->queues.find(queue);
        if (found != node->queues.end()) node->queues.erase(found), removed = true;
      }
      break;
    }
    case ExchangeType::kHeaders:
      removed = std::erase(exchange.header_bindings, std::make_pair(std::string(queue), arguments)) > 0;
      break;
  }
  if (removed) --binding_count_;
  return Status();  // unbinding what is not bound is harmless, as in RabbitMQ
}

void ExchangeRouter::remove_queue(std::string_view queue) {
  for (auto& [name, exchange] : exchanges_) {
    for (auto& [key, queues] : exchange->by_key) {
      if (const auto it = queues.find(queue); it != queues.end()) queues.erase(it), --binding_count_;
    }
    std::vector<TopicNode*> stack{&exchange->topics};
    while (!stack.empty()) {
      TopicNode* node = stack.back();
      stack.pop_back();
      if (const auto it = node->queues.find(queue); it != node->queues.end()) node->queues.erase(it), --binding_count_;
      for (auto& [word, child] : node->children) stack.push_back(child.get());
      if (node->star) stack.push_back(node->star.get());
      if (node->hash) stack.push_back(node->hash.get());
    }
    binding_count_ -= std::erase_if(exchange->header_bindings, [queue](const auto& b) { return b.first == queue; });
  }
}

Result<std::vector<std::string>> ExchangeRouter::route(std::string_view exchange_name, std::string_view routing_key,
                                                       const Headers& headers) const {
  const Exchange* exchange = find(exchange_name);
  if (exchange == nullptr) {
    return Status(StatusCode::kNotFound, "no exchange \"" + std::string(exchange_name) + "\"", amqp_error::kNotFound);
  }
  std::set<std::string> queues;
  switch (exchange->type) {
    case ExchangeType::kDirect:
    case ExchangeType::kFanout: {
      const auto it = exchange->by_key.find(exchange->type == ExchangeType::kFanout ? "" : routing_key);
      if (it != exchange->by_key.end()) {
        for (const auto& [queue, count] : it->second) queues.insert(queue);
      }
      break;
    }
    case ExchangeType::kTopic:
      exchange->topics.match(words_of(routing_key), 0, queues);
      break;
    case ExchangeType::kHeaders:
      for (const auto& [queue, arguments] : exchange->header_bindings) {
        if (headers_match(arguments, headers)) queues.insert(queue);
      }
      break;
  }
  return std::vector<std::string>(queues.begin(), queues.end());
}

}  // namespace sluice::broker
