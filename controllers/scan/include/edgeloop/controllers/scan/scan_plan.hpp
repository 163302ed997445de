// Adaptive 4D-STEM scans as run plans: a strategy (learned policy, random, GP-uncertainty,
// raster-subsampled) picks each probe position from the virtual-detector values of the frames
// measured so far, and every choice carries its decision record for the run's provenance.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "edgeloop/controllers/run_plan.hpp"

namespace edgeloop {

struct ScanPlanOptions {
  std::uint32_t nx = 32;
  std::uint32_t ny = 32;
  double fraction = 0.2;  // of the nx*ny positions to measure, (0, 1]
  std::uint64_t seed = 0;
  std::filesystem::path policy = "models/scan-policy.pt";  // the learned strategy's model
  // The per-frame product the strategy reads (first value), as stem_virtual_detectors
  // publishes it: "virtual_adf", "virtual_bf" or "total_intensity".
  std::string product = "virtual_adf";
  double temperature = 0.0;      // learned: 0 = most probable position; > 0 = seeded sampling
  double gradient_weight = 1.0;  // gp_uncertainty: weight of the mean's gradient
  // Commands out before their frames are back. 1 = each decision sees every earlier frame;
  // more hides the round trip but decides on older data (pending positions are excluded).
  std::size_t max_pending = 1;
};

// `strategy`: "learned", "random", "gp_uncertainty" or "raster_subsampled". Emits
// `scan_position [x, y]` steps, one frame each, round(fraction * nx * ny) of them (the raster
// sub-grid may hold a few more). Throws std::invalid_argument for a bad name or option and
// ml::ModelFileError for an unusable policy file.
std::unique_ptr<RunPlan> make_scan_strategy_plan(std::string_view strategy,
                                                 const ScanPlanOptions& options);

// The learned policy's plan: make_scan_strategy_plan("learned", options).
std::unique_ptr<RunPlan> make_learned_scan_plan(const ScanPlanOptions& options);

}  // namespace edgeloop
