// Runs a scan strategy over a ground-truth image and records the reconstruction error after
// every measured position: one error-vs-dose curve, as the trainer and bench/scan compare them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "edgeloop/controllers/scan/scan_strategy.hpp"

namespace edgeloop::scan {

struct ScanCurve {
  std::vector<double> error;  // error[k - 1]: normalised RMSE after k positions
  // Nanoseconds each decision took (strategy choice only), when asked for.
  std::vector<std::int64_t> decision_ns;
};

// Measures up to `count` positions of the ny x nx `truth` as `strategy` chooses them (fewer when
// it runs out of choices).
ScanCurve run_scan_strategy(ScanStrategy& strategy, std::uint32_t nx, std::uint32_t ny,
                            const std::vector<double>& truth, std::size_t count,
                            bool time_decisions = false);

}  // namespace edgeloop::scan
