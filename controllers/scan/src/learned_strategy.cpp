// The learned policy as a scan strategy: the seed grid first, then the network's choice, the
// most probable position (temperature 0) or a draw from softmax(logits / T) with the decision's
// own seeded generator, so a recorded decision replays from its inputs and seed.
#include <algorithm>
#include <cmath>
#include <limits>

#include "edgeloop/controllers/scan/scan_policy.hpp"
#include "edgeloop/controllers/scan/scan_random.hpp"
#include "strategies.hpp"

namespace edgeloop::scan {
namespace {

class LearnedStrategy final : public ScanStrategy {
 public:
  explicit LearnedStrategy(const ScanStrategyOptions& o)
      : policy_(o.policy),
        seed_(o.seed),
        temperature_(o.temperature),
        seeds_(seed_grid_positions(o.nx, o.ny)) {}

  std::string_view name() const override { return "learned"; }

  ScanChoice choose(const SparseScanImage& scan, std::uint64_t k) override {
    if (const auto s = next_seed_position(scan, seeds_); s >= 0) {
      return {.index = s, .rule = "seed_grid"};
    }
    const auto out = policy_.evaluate(scan);
    const std::size_t n = out.logits.size();
    // Softmax over the available positions, in double (T = 1 when choosing the argmax).
    const double t = temperature_ > 0.0 ? temperature_ : 1.0;
    double top = -std::numeric_limits<double>::infinity();
    std::int64_t best = -1;
    for (std::size_t i = 0; i < n; ++i) {
      if (!scan.available(static_cast<std::int64_t>(i))) continue;
      const auto logit = static_cast<double>(out.logits[i]);
      if (logit > top) {
        top = logit;
        best = static_cast<std::int64_t>(i);
      }
    }
    if (best < 0) return {.index = -1, .rule = "policy"};
    std::vector<double> p(n, 0.0);
    std::vector<double> score(n, kMaskedLogitScore);
    double sum = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      if (!scan.available(static_cast<std::int64_t>(i))) continue;
      score[i] = static_cast<double>(out.logits[i]);
      p[i] = std::exp((score[i] - top) / t);
      sum += p[i];
    }
    for (auto& v : p) v /= sum;
    std::int64_t chosen = best;
    if (temperature_ > 0.0) {
      auto rng = ScanRandom::for_decision(seed_, k);
      const double u = rng.uniform();
      double cumulative = 0.0;
      for (std::size_t i = 0; i < n; ++i) {
        if (p[i] <= 0.0) continue;
        cumulative += p[i];
        chosen = static_cast<std::int64_t>(i);
        if (u < cumulative) break;
      }
    }
    auto alternatives = top_alternatives(scan, score, chosen, 3);
    for (auto& a : alternatives) a.probability = p[static_cast<std::size_t>(a.index)];
    const auto c = static_cast<std::size_t>(chosen);
    return {.index = chosen,
            .score = score[c],
            .probability = p[c],
            .rule = "policy",
            .alternatives = std::move(alternatives)};
  }

  nlohmann::json describe() const override {
    const auto& m = policy_.manifest();
    return {{"strategy", "learned"},
            {"policy", policy_.path().string()},
            {"kind", m.kind},
            {"architecture", m.architecture},
            {"weights_sha256", m.weights_sha256},
            {"temperature", temperature_},
            {"seed", seed_}};
  }

 private:
  static constexpr double kMaskedLogitScore = -1e9;
  ScanPolicy policy_;
  std::uint64_t seed_;
  double temperature_;
  std::vector<std::int64_t> seeds_;
};

}  // namespace

std::unique_ptr<ScanStrategy> make_learned_strategy(const ScanStrategyOptions& options) {
  return std::make_unique<LearnedStrategy>(options);
}

}  // namespace edgeloop::scan
