// The strategies behind make_scan_strategy, one factory per file (internal to the library).
#pragma once

#include <memory>

#include "edgeloop/controllers/scan/scan_strategy.hpp"

namespace edgeloop::scan {

std::unique_ptr<ScanStrategy> make_raster_subsampled_strategy(const ScanStrategyOptions& options);
std::unique_ptr<ScanStrategy> make_random_strategy(const ScanStrategyOptions& options);
std::unique_ptr<ScanStrategy> make_gp_uncertainty_strategy(const ScanStrategyOptions& options);
std::unique_ptr<ScanStrategy> make_learned_strategy(const ScanStrategyOptions& options);

// The `count` best-scoring available positions other than `chosen`, best first.
std::vector<ScanCandidate> top_alternatives(const SparseScanImage& scan,
                                            const std::vector<double>& score, std::int64_t chosen,
                                            std::size_t count);

}  // namespace edgeloop::scan
