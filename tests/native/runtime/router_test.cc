#include "native/runtime/router.h"

#include <gtest/gtest.h>

#include <tuple>

namespace sluice::native {
namespace {

Handler named(std::string name, std::string* called) {
  return [name, called](const HttpRequest&, const PathParams&, Responder) { *called = name; };
}

TEST(RouterTest, MatchesLiteralAndParameterSegments) {
  Router router;
  std::string called;
  ASSERT_TRUE(router.add("GET", "/api/inventory/:productId", named("item", &called)).ok());
  ASSERT_TRUE(router.add("GET", "/api/inventory", named("list", &called)).ok());
  Router::Match match = router.match("GET", "/api/inventory/SKU%2D123");
  ASSERT_NE(match.handler, nullptr);
  EXPECT_EQ(match.params.at("productId"), "SKU-123");
  (*match.handler)(HttpRequest{}, match.params, nullptr);
  EXPECT_EQ(called, "item");
  EXPECT_NE(router.match("GET", "/api/inventory").handler, nullptr);
  EXPECT_EQ(router.route_of("GET", "/api/inventory/x"), "/api/inventory/:productId");
  EXPECT_EQ(router.route_of("GET", "/elsewhere"), "unmatched");
}

TEST(RouterTest, WrapAppliesToEveryRouteAddedSoFar) {
  Router router;
  std::string called;
  ASSERT_TRUE(router.add("GET", "/a", named("a", &called)).ok());
  ASSERT_TRUE(router.add("POST", "/b/:id", named("b", &called)).ok());
  int wrapped_calls = 0;
  router.wrap([&](Handler inner) {
    return [&wrapped_calls, inner](const HttpRequest& request, const PathParams& params, Responder reply) {
      ++wrapped_calls;
      inner(request, params, std::move(reply));
    };
  });
  ASSERT_TRUE(router.add("GET", "/c", named("c", &called)).ok());  // added later: not wrapped
  for (const auto& [method, path, name] : {std::tuple{"GET", "/a", "a"}, {"POST", "/b/1", "b"}, {"GET", "/c", "c"}}) {
    Router::Match match = router.match(method, path);
    ASSERT_NE(match.handler, nullptr) << path;
    (*match.handler)(HttpRequest{}, match.params, nullptr);
    EXPECT_EQ(called, name);
  }
  EXPECT_EQ(wrapped_calls, 2);
}

TEST(RouterTest, UnknownPathsAre404AndOtherMethods405WithAllow) {
  Router router;
  std::string called;
  ASSERT_TRUE(router.add("GET", "/api/orders/:id", named("get", &called)).ok());
  ASSERT_TRUE(router.add("DELETE", "/api/orders/:id", named("delete", &called)).ok());
  Router::Match missing = router.match("GET", "/api/order/1");
  EXPECT_EQ(missing.handler, nullptr);
  EXPECT_EQ(missing.error.status, 404);
  EXPECT_NE(missing.error.body.find("\"NotFound\""), std::string::npos);
  Router::Match wrong = router.match("PUT", "/api/orders/1");
  EXPECT_EQ(wrong.error.status, 405);
  ASSERT_EQ(wrong.error.headers.back().first, "Allow");
  EXPECT_EQ(wrong.error.headers.back().second, "GET, DELETE");
  EXPECT_EQ(router.match("GET", "/api/orders/%zz").error.status, 400);
  EXPECT_EQ(router.match("GET", "/api/orders/").error.status, 404);  // an empty parameter matches nothing
}

TEST(RouterTest, RefusesBadOrRepeatedRoutes) {
  Router router;
  std::string called;
  EXPECT_FALSE(router.add("GET", "api", named("x", &called)).ok());
  ASSERT_TRUE(router.add("GET", "/a", named("x", &called)).ok());
  EXPECT_FALSE(router.add("GET", "/a", named("y", &called)).ok());
}

TEST(PercentDecodeTest, DecodesEscapesAndRejectsBrokenOnes) {
  std::string out;
  EXPECT_TRUE(percent_decode("a%20b%2f", out));
  EXPECT_EQ(out, "a b/");
  EXPECT_FALSE(percent_decode("%2", out));
  EXPECT_FALSE(percent_decode("%g0", out));
}

TEST(RouterTest, NeverShedMarksRoutesServedUnderAnyLoad) {
  Router router;
  std::string called;
  ASSERT_TRUE(router.add("GET", "/healthz", named("health", &called)).ok());
  ASSERT_TRUE(router.add("POST", "/api/payments/:id/refund", named("refund", &called)).ok());
  ASSERT_TRUE(router.add("GET", "/api/payments/:id/refund", named("look", &called)).ok());
  ASSERT_TRUE(router.add("POST", "/api/orders", named("order", &called)).ok());
  ASSERT_TRUE(router.never_shed("/healthz").ok());
  ASSERT_TRUE(router.never_shed("/api/payments/:id/refund").ok());  // every method of it
  EXPECT_EQ(router.never_shed("/nope").message(), "never_shed: no route \"/nope\"");

  EXPECT_FALSE(router.sheds("/healthz"));
  EXPECT_FALSE(router.sheds("/api/payments/p-1/refund"));
  EXPECT_TRUE(router.sheds("/api/orders"));
  EXPECT_TRUE(router.sheds("/healthz/more"));             // not the route
  EXPECT_TRUE(router.sheds("/api/payments//refund"));     // an empty parameter matches no route
  EXPECT_TRUE(router.sheds("/api/payments/p-1/refund/x"));
  EXPECT_TRUE(router.sheds("/unknown"));
  router.wrap([](Handler inner) { return inner; });
  EXPECT_FALSE(router.sheds("/healthz"));  // kept through wrap()
}

}  // namespace
}  // namespace sluice::native
