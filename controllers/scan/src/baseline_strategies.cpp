// The two fixed baselines: a regular sub-grid at the target dose, and a uniformly random order.
#include <utility>

#include "edgeloop/controllers/scan/scan_random.hpp"
#include "strategies.hpp"

namespace edgeloop::scan {
namespace {

// Both walk a list fixed at construction and skip positions visited otherwise.
class ListStrategy final : public ScanStrategy {
 public:
  ListStrategy(std::string name, std::string rule, std::vector<std::int64_t> order,
               nlohmann::json description)
      : name_(std::move(name)),
        rule_(std::move(rule)),
        order_(std::move(order)),
        description_(std::move(description)) {}

  std::string_view name() const override { return name_; }
  ScanChoice choose(const SparseScanImage& scan, std::uint64_t /*k*/) override {
    for (const auto i : order_) {
      if (scan.available(i)) return {.index = i, .rule = rule_};
    }
    return {.index = -1, .rule = rule_};
  }
  nlohmann::json describe() const override { return description_; }

 private:
  std::string name_;
  std::string rule_;
  std::vector<std::int64_t> order_;
  nlohmann::json description_;
};

}  // namespace

std::unique_ptr<ScanStrategy> make_raster_subsampled_strategy(const ScanStrategyOptions& o) {
  auto order = raster_subsample_positions(o.nx, o.ny, o.positions);
  nlohmann::json d = {{"strategy", "raster_subsampled"}, {"grid_positions", order.size()}};
  return std::make_unique<ListStrategy>("raster_subsampled", "raster", std::move(order),
                                        std::move(d));
}

std::unique_ptr<ScanStrategy> make_random_strategy(const ScanStrategyOptions& o) {
  std::vector<std::int64_t> order(static_cast<std::size_t>(o.nx) * o.ny);
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<std::int64_t>(i);
  ScanRandom rng(o.seed);
  for (std::size_t i = order.size(); i > 1; --i) {  // Fisher-Yates
    std::swap(order[i - 1], order[rng.below(i)]);
  }
  nlohmann::json d = {{"strategy", "random"}, {"seed", o.seed}};
  return std::make_unique<ListStrategy>("random", "random", std::move(order), std::move(d));
}

}  // namespace edgeloop::scan
