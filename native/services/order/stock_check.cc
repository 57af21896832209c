#include "native/services/order/stock_check.h"

namespace sluice::native {

void StockCheck::check_one(const std::string& product, const observe::TraceContext& trace,
                           std::function<void(inventory::StockResponse, bool)> done) {
  guarded_unary<inventory::StockResponse>(
      io_, breaker_, deadline_, ids_.child_of(trace),
      [this, product](grpc::ClientContext* context, inventory::StockResponse* response,
                      std::function<void(grpc::Status)> finished) {
        auto request = std::make_shared<inventory::StockRequest>();
        request->set_product_id(product);
        stub_.async()->CheckStock(context, request.get(), response,
                                  [request, finished](grpc::Status s) { finished(s); });
      },
      [product] {
        inventory::StockResponse fallback;  // the article's: assume in stock
        fallback.set_product_id(product);
        fallback.set_in_stock(true);
        return fallback;
      },
      [done = std::move(done)](grpc::Status, inventory::StockResponse response, bool from_fallback) {
        done(std::move(response), from_fallback);
      });
}

void StockCheck::check(const std::vector<std::string>& products, const observe::TraceContext& trace,
                       std::function<void(StockVerdict)> done) {
  struct Join {
    std::size_t left;
    StockVerdict verdict;
    std::function<void(StockVerdict)> done;
  };
  if (products.empty()) {
    asio::post(io_, [done] { done({}); });
    return;
  }
  auto join = std::make_shared<Join>(Join{products.size(), {}, std::move(done)});
  for (const std::string& product : products) {
    check_one(product, trace, [join, product](inventory::StockResponse response, bool from_fallback) {
      if (from_fallback) join->verdict.fallback = true;
      if (!response.in_stock() && join->verdict.in_stock) {
        join->verdict.in_stock = false;
        join->verdict.short_product = product;
      }
      if (--join->left == 0) join->done(join->verdict);
    });
  }
}

}  // namespace sluice::native
