// How a sparse scan picks its next probe position: one interface over the baselines
// (raster-subsampled, random, GP-uncertainty) and the learned policy, so the environment, the
// run plans and the benchmark treat them alike.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "edgeloop/controllers/scan/sparse_scan_image.hpp"

namespace edgeloop::scan {

struct ScanCandidate {
  std::int64_t index = -1;
  double score = 0.0;        // the strategy's own scale: logit, posterior std, ...
  double probability = 0.0;  // under a stochastic policy; 0 where the strategy has none
};

// One decision: the chosen position, its score, and the best alternatives it beat.
struct ScanChoice {
  std::int64_t index = -1;  // -1: nothing left to choose
  double score = 0.0;
  double probability = 1.0;  // of the chosen position (1 for a deterministic choice)
  std::string rule{};        // "seed_grid", "policy", "max_uncertainty", "raster", "random"
  std::vector<ScanCandidate> alternatives{};
};

class ScanStrategy {
 public:
  virtual ~ScanStrategy() = default;
  virtual std::string_view name() const = 0;
  // Decision number `k` (0, 1, ...) over what `scan` holds now; only available positions are
  // chosen. The same scan, k and construction give the same choice.
  virtual ScanChoice choose(const SparseScanImage& scan, std::uint64_t k) = 0;
  // Hyperparameters and model identity, for the plan's record.
  virtual nlohmann::json describe() const = 0;
};

struct ScanStrategyOptions {
  std::uint32_t nx = 32;
  std::uint32_t ny = 32;
  std::size_t positions = 205;  // the budget: how many positions the scan will measure
  std::uint64_t seed = 0;
  std::filesystem::path policy = "models/scan-policy.pt";  // "learned" only
  double temperature = 0.0;      // "learned": 0 = argmax, > 0 = sample softmax(logits / T)
  double gradient_weight = 1.0;  // "gp_uncertainty": 0 = pure posterior variance
};

// "raster_subsampled", "random", "gp_uncertainty" or "learned"; std::invalid_argument for any
// other name, ml::ModelFileError for an unusable policy file.
std::unique_ptr<ScanStrategy> make_scan_strategy(std::string_view name,
                                                 const ScanStrategyOptions& options);
// The names make_scan_strategy knows.
std::vector<std::string> scan_strategy_names();

// A regular kx-by-ky sub-grid of at least `count` positions (as few more as the grid allows,
// capped at every position), cells centred, row by row: uniform coverage at a dose.
std::vector<std::int64_t> raster_subsample_positions(std::uint32_t nx, std::uint32_t ny,
                                                     std::size_t count);
// The coarse grid adaptive strategies measure first (about 1/64 of the positions, at least 4),
// so their first decisions have an image to look at.
std::vector<std::int64_t> seed_grid_positions(std::uint32_t nx, std::uint32_t ny);

// The next seed-grid position still available, or -1.
std::int64_t next_seed_position(const SparseScanImage& scan,
                                const std::vector<std::int64_t>& seeds);

}  // namespace edgeloop::scan
