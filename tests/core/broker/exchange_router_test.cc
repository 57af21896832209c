#include "core/broker/exchange_router.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "core/time/prng.h"

namespace sluice::broker {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::vector<std::string> route(const ExchangeRouter& router, std::string_view exchange, std::string_view key,
                               const Headers& headers = {}) {
  Result<std::vector<std::string>> queues = router.route(exchange, key, headers);
  EXPECT_TRUE(queues.ok()) << queues.status().message();
  return queues.ok() ? *queues : std::vector<std::string>{};
}

TEST(ExchangeRouterTest, DirectMatchesTheExactKey) {
  ExchangeRouter router;
  ASSERT_TRUE(router.declare_exchange("orders", ExchangeType::kDirect).ok());
  ASSERT_TRUE(router.bind("payments", "orders", "order.created").ok());
  ASSERT_TRUE(router.bind("audit", "orders", "order.created").ok());
  ASSERT_TRUE(router.bind("audit", "orders", "order.cancelled").ok());
  EXPECT_THAT(route(router, "orders", "order.created"), ElementsAre("audit", "payments"));
  EXPECT_THAT(route(router, "orders", "order.cancelled"), ElementsAre("audit"));
  EXPECT_THAT(route(router, "orders", "order"), IsEmpty());  // unroutable
}

TEST(ExchangeRouterTest, FanoutReachesEveryQueueOnce) {
  ExchangeRouter router;
  ASSERT_TRUE(router.declare_exchange("events", ExchangeType::kFanout).ok());
  ASSERT_TRUE(router.bind("notification", "events", "").ok());
  ASSERT_TRUE(router.bind("analytics", "events", "ignored-key").ok());
  ASSERT_TRUE(router.bind("analytics", "events", "another").ok());  // the same binding, for fanout
  EXPECT_THAT(route(router, "events", "anything"), ElementsAre("analytics", "notification"));
  EXPECT_EQ(router.bindings(), 2u);
}

TEST(ExchangeRouterTest, TopicWildcardsFollowRabbitMq) {
  ExchangeRouter router;
  ASSERT_TRUE(router.declare_exchange("orders", ExchangeType::kTopic).ok());
  for (const auto& [queue, key] : std::vector<std::pair<std::string, std::string>>{{"star", "order.*"},
                                                                                   {"hash", "order.#"},
                                                                                   {"all", "#"},
                                                                                   {"eu", "#.eu"},
                                                                                   {"middle", "order.#.eu"},
                                                                                   {"exact", "order.created"},
                                                                                   {"first", "*.created"}}) {
    ASSERT_TRUE(router.bind(queue, "orders", key).ok());
  }
  EXPECT_THAT(route(router, "orders", "order.created"), ElementsAre("all", "exact", "first", "hash", "star"));
  EXPECT_THAT(route(router, "orders", "order.created.eu"), ElementsAre("all", "eu", "hash", "middle"));
  EXPECT_THAT(route(router, "orders", "order"), ElementsAre("all", "hash"));  // "#" may be zero words
  EXPECT_THAT(route(router, "orders", "order.eu"), ElementsAre("all", "eu", "hash", "middle", "star"));
  EXPECT_THAT(route(router, "orders", "payment.created"), ElementsAre("all", "first"));
  EXPECT_THAT(route(router, "orders", ""), ElementsAre("all"));
}

// The same rules, written plainly: a reference for the trie.
bool reference_match(const std::vector<std::string>& pattern, std::size_t p, const std::vector<std::string>& words,
                     std::size_t w) {
  if (p == pattern.size()) return w == words.size();
  if (pattern[p] == "#") {
    for (std::size_t k = w; k <= words.size(); ++k) {
      if (reference_match(pattern, p + 1, words, k)) return true;
    }
    return false;
  }
  if (w == words.size()) return false;
  return (pattern[p] == "*" || pattern[p] == words[w]) && reference_match(pattern, p + 1, words, w + 1);
}

TEST(ExchangeRouterTest, TopicRoutingAgreesWithAPlainMatcherOnRandomPatterns) {
  time::Prng prng(11);
  const std::vector<std::string> vocabulary = {"a", "b", "c", "*", "#"};
  auto random_words = [&](bool wildcards) {
    std::vector<std::string> words(prng.uniform_below(5));
    for (auto& word : words) word = vocabulary[prng.uniform_below(wildcards ? 5 : 3)];
    return words;
  };
  auto join = [](const std::vector<std::string>& words) {
    std::string text;
    for (const auto& word : words) text += (text.empty() ? "" : ".") + word;
    return text;
  };
  for (int round = 0; round < 50; ++round) {
    ExchangeRouter router;
    ASSERT_TRUE(router.declare_exchange("t", ExchangeType::kTopic).ok());
    std::vector<std::vector<std::string>> patterns;
    for (int i = 0; i < 20; ++i) {
      patterns.push_back(random_words(true));
      ASSERT_TRUE(router.bind("q" + std::to_string(i), "t", join(patterns.back())).ok());
    }
    for (int k = 0; k < 50; ++k) {
      const std::vector<std::string> key = random_words(false);
      std::set<std::string> expected;
      for (int i = 0; i < 20; ++i) {
        if (reference_match(patterns[i], 0, key, 0)) expected.insert("q" + std::to_string(i));
      }
      ASSERT_EQ(route(router, "t", join(key)), std::vector<std::string>(expected.begin(), expected.end()))
          << "key \"" << join(key) << "\" in round " << round;
    }
  }
}

TEST(ExchangeRouterTest, HeadersMatchAllOrAnyIgnoringXArguments) {
  ExchangeRouter router;
  ASSERT_TRUE(router.declare_exchange("by-headers", ExchangeType::kHeaders).ok());
  ASSERT_TRUE(router.bind("eu-orders", "by-headers", "", {{"region", "eu"}, {"type", "order"}}).ok());
  ASSERT_TRUE(
      router.bind("eu-or-order", "by-headers", "", {{"x-match", "any"}, {"region", "eu"}, {"type", "order"}}).ok());
  EXPECT_THAT(route(router, "by-headers", "", {{"region", "eu"}, {"type", "order"}}),
              ElementsAre("eu-or-order", "eu-orders"));
  EXPECT_THAT(route(router, "by-headers", "", {{"region", "eu"}, {"type", "refund"}}), ElementsAre("eu-or-order"));
  EXPECT_THAT(route(router, "by-headers", "", {{"region", "us"}}), IsEmpty());
  EXPECT_EQ(router.bind("q", "by-headers", "", {{"x-match", "some"}}).reason(), amqp_error::kPreconditionFailed);
}

TEST(ExchangeRouterTest, UnbindAndDeleteUndoBindings) {
  ExchangeRouter router;
  ASSERT_TRUE(router.declare_exchange("t", ExchangeType::kTopic).ok());
  ASSERT_TRUE(router.bind("q", "t", "a.*").ok());
  ASSERT_TRUE(router.bind("q", "t", "a.*").ok());  // again: still one binding
  EXPECT_EQ(router.bindings(), 1u);
  ASSERT_TRUE(router.unbind("q", "t", "a.*").ok());
  EXPECT_THAT(route(router, "t", "a.b"), IsEmpty());
  ASSERT_TRUE(router.bind("q", "t", "#").ok());
  ASSERT_TRUE(router.delete_exchange("t").ok());
  EXPECT_EQ(router.bindings(), 0u);
  EXPECT_EQ(router.route("t", "a", {}).status().reason(), amqp_error::kNotFound);
}

TEST(ExchangeRouterTest, ErrorsUseAmqpReplyNames) {
  ExchangeRouter router({.max_exchanges = 1, .max_bindings = 1});
  ASSERT_TRUE(router.declare_exchange("x", ExchangeType::kDirect).ok());
  ASSERT_TRUE(router.declare_exchange("x", ExchangeType::kDirect).ok());  // the same again is fine
  EXPECT_EQ(router.declare_exchange("x", ExchangeType::kFanout).reason(), amqp_error::kPreconditionFailed);
  EXPECT_EQ(router.declare_exchange("y", ExchangeType::kDirect).reason(), amqp_error::kResourceLocked);
  EXPECT_EQ(router.declare_exchange("bad name!", ExchangeType::kDirect).message(),
            "exchange name \"bad name!\" may hold only letters, digits, '-', '_', '.' and ':'");
  EXPECT_EQ(router.bind("q", "nope", "k").reason(), amqp_error::kNotFound);
  ASSERT_TRUE(router.bind("q", "x", "k").ok());
  EXPECT_EQ(router.bind("q2", "x", "k").reason(), amqp_error::kResourceLocked);
}

}  // namespace
}  // namespace sluice::broker
