#include "edgeloop/controllers/scan/scan_strategy.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "strategies.hpp"

namespace edgeloop::scan {

std::vector<std::string> scan_strategy_names() {
  return {"raster_subsampled", "random", "gp_uncertainty", "learned"};
}

std::unique_ptr<ScanStrategy> make_scan_strategy(std::string_view name,
                                                 const ScanStrategyOptions& options) {
  if (options.nx == 0 || options.ny == 0) {
    throw std::invalid_argument("a scan strategy needs a non-empty grid");
  }
  if (name == "raster_subsampled") return make_raster_subsampled_strategy(options);
  if (name == "random") return make_random_strategy(options);
  if (name == "gp_uncertainty") return make_gp_uncertainty_strategy(options);
  if (name == "learned") return make_learned_strategy(options);
  throw std::invalid_argument("unknown scan strategy \"" + std::string(name) +
                              "\" (raster_subsampled, random, gp_uncertainty, learned)");
}

std::vector<ScanCandidate> top_alternatives(const SparseScanImage& scan,
                                            const std::vector<double>& score, std::int64_t chosen,
                                            std::size_t count) {
  std::vector<ScanCandidate> best;
  for (std::size_t i = 0; i < score.size(); ++i) {
    const auto index = static_cast<std::int64_t>(i);
    if (index == chosen || !scan.available(index)) continue;
    const ScanCandidate c{.index = index, .score = score[i]};
    // Higher score first, lower index on ties: the same order on every run.
    const auto at = std::find_if(best.begin(), best.end(),
                                 [&](const ScanCandidate& b) { return c.score > b.score; });
    if (static_cast<std::size_t>(at - best.begin()) >= count) continue;
    best.insert(at, c);
    if (best.size() > count) best.pop_back();
  }
  return best;
}

}  // namespace edgeloop::scan
