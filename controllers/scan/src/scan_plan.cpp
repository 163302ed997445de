#include "edgeloop/controllers/scan/scan_plan.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <map>
#include <stdexcept>
#include <utility>

#include "edgeloop/controllers/scan/scan_strategy.hpp"
#include "edgeloop/controllers/scan/sparse_scan_image.hpp"
#include "edgeloop/core/sha256.hpp"

namespace edgeloop {
namespace {

nlohmann::json candidate_json(const scan::ScanCandidate& c, std::uint32_t nx) {
  return {{"scan_index", c.index},
          {"target", {static_cast<double>(c.index % nx), static_cast<double>(c.index / nx)}},
          {"score", c.score},
          {"probability", c.probability}};
}

// The plan keeps the strategy's view (a SparseScanImage) in step with the run: a position is
// pending from the step that sends it until its frame's product arrives.
class AdaptiveScanPlan final : public RunPlan {
 public:
  AdaptiveScanPlan(std::string strategy, const ScanPlanOptions& o)
      : strategy_name_(std::move(strategy)), options_(o), scan_(o.nx, o.ny) {
    if (!(o.fraction > 0.0 && o.fraction <= 1.0)) {
      throw std::invalid_argument("scan plan fraction must be in (0, 1]");
    }
    if (o.product.empty()) throw std::invalid_argument("scan plan needs a product to observe");
    if (o.max_pending == 0) throw std::invalid_argument("scan plan max_pending must be >= 1");
    const std::size_t total = scan_.size();
    budget_ = std::max<std::size_t>(
        1, static_cast<std::size_t>(std::lround(o.fraction * static_cast<double>(total))));
    budget_ = std::min(budget_, total);
    if (strategy_name_ == "raster_subsampled") {
      budget_ = scan::raster_subsample_positions(o.nx, o.ny, budget_).size();
    }
    strategy_ = scan::make_scan_strategy(strategy_name_, {.nx = o.nx,
                                                          .ny = o.ny,
                                                          .positions = budget_,
                                                          .seed = o.seed,
                                                          .policy = o.policy,
                                                          .temperature = o.temperature,
                                                          .gradient_weight = o.gradient_weight});
    description_ = strategy_->describe();
    inputs_sha256_ = to_hex(Sha256::of(std::string_view("edgeloop scan observations v1")));
  }

  std::optional<PlanStep> next(const PlanProgress& /*progress*/) override {
    if (issued_ >= budget_ || pending_.size() >= options_.max_pending) return std::nullopt;
    const std::uint64_t k = issued_;
    const auto choice = strategy_->choose(scan_, k);
    if (choice.index < 0) {
      budget_ = issued_;  // every position visited: nothing left to choose
      return std::nullopt;
    }
    scan_.reserve(choice.index);
    pending_.emplace(choice.index, k);
    ++issued_;
    const auto target = point_coordinates(choice.index);
    nlohmann::json alternatives = nlohmann::json::array();
    for (const auto& a : choice.alternatives)
      alternatives.push_back(candidate_json(a, options_.nx));
    nlohmann::json decision = {{"controller", "scan/" + strategy_name_},
                               {"decision", k},
                               {"rule", choice.rule},
                               {"inputs",
                                {{"product", options_.product},
                                 {"observations", observations_},
                                 {"observations_sha256", inputs_sha256_},
                                 {"pending", pending_.size() - 1}}},
                               {"seed", options_.seed},
                               {"chosen",
                                {{"scan_index", choice.index},
                                 {"target", target},
                                 {"score", choice.score},
                                 {"probability", choice.probability}}},
                               {"alternatives", std::move(alternatives)}};
    if (description_.contains("weights_sha256")) {
      decision["model"] = {{"weights_sha256", description_["weights_sha256"]},
                           {"architecture", description_["architecture"]},
                           {"temperature", options_.temperature}};
    }
    return PlanStep{.actuator = "scan_position",
                    .target = target,
                    .cause = "adaptive_scan " + strategy_name_ + " decision=" + std::to_string(k) +
                             " index=" + std::to_string(choice.index),
                    .scan_index = choice.index,
                    .frames = 1,
                    .decision = std::move(decision)};
  }

  bool done() const override { return issued_ >= budget_; }
  std::uint64_t max_frames() const override { return budget_; }
  std::vector<double> point_coordinates(std::int64_t i) const override {
    if (i < 0 || static_cast<std::size_t>(i) >= scan_.size()) return {};
    return {static_cast<double>(i % options_.nx), static_cast<double>(i / options_.nx)};
  }

  nlohmann::json to_json() const override {
    return {{"kind", "adaptive_scan"},
            {"strategy", strategy_name_},
            {"nx", options_.nx},
            {"ny", options_.ny},
            {"fraction", options_.fraction},
            {"positions", budget_},
            {"seed", options_.seed},
            {"product", options_.product},
            {"max_pending", options_.max_pending},
            {"temperature", options_.temperature},
            {"gradient_weight", options_.gradient_weight},
            {"policy", options_.policy.string()},
            {"observations", observations_},
            {"observations_without_product", without_product_},
            {"refused", refused_},
            {"controller", description_}};
  }

  void observe(const PlanObservation& o) override {
    const auto it = pending_.find(o.scan_index);
    if (it == pending_.end()) return;  // not a frame this plan is waiting for
    pending_.erase(it);
    const auto product = o.products.find(options_.product);
    if (product == o.products.end() || product->second.empty() ||
        !std::isfinite(product->second.front())) {
      // The position cost dose but taught nothing; the scan goes on without it.
      scan_.lose(o.scan_index);
      ++without_product_;
      return;
    }
    const double value = product->second.front();
    scan_.measure(o.scan_index, value);
    ++observations_;
    // Chain the observations in the order the plan used them, so a decision's record names
    // exactly the data it saw.
    Sha256 h;
    h.update(inputs_sha256_);
    h.update(std::to_string(o.scan_index));
    h.update(std::to_string(std::bit_cast<std::uint64_t>(value)));
    h.update(o.payload_sha256);
    inputs_sha256_ = to_hex(h.finish());
  }

  std::vector<std::string> observed_products() const override { return {options_.product}; }

  // A refused or failed position brings no frame: stop waiting for it, and never choose it
  // again (the envelope or the instrument would refuse it again).
  void refused(const PlanRefusal& r) override {
    if (pending_.erase(r.scan_index) > 0) {
      scan_.lose(r.scan_index);
      ++refused_;
    }
  }

 private:
  std::string strategy_name_;
  std::size_t refused_ = 0;
  ScanPlanOptions options_;
  scan::SparseScanImage scan_;
  std::unique_ptr<scan::ScanStrategy> strategy_;
  nlohmann::json description_;
  std::size_t budget_ = 0;
  std::size_t issued_ = 0;
  std::map<std::int64_t, std::uint64_t> pending_;  // scan index -> decision number
  std::uint64_t observations_ = 0;
  std::uint64_t without_product_ = 0;
  std::string inputs_sha256_;
};

}  // namespace

std::unique_ptr<RunPlan> make_scan_strategy_plan(std::string_view strategy,
                                                 const ScanPlanOptions& options) {
  return std::make_unique<AdaptiveScanPlan>(std::string(strategy), options);
}

std::unique_ptr<RunPlan> make_learned_scan_plan(const ScanPlanOptions& options) {
  return make_scan_strategy_plan("learned", options);
}

}  // namespace edgeloop
