// The learned policy's view of a sparse scan: channel planes over the probe grid, built the
// same way by the trainer and by the plan that runs the policy.
#pragma once

#include <cstddef>
#include <span>

#include "edgeloop/controllers/scan/sparse_scan_image.hpp"

namespace edgeloop::scan {

// Planes, each nx*ny row-major, in this order:
//   0 measured value, standardised by the mean and spread of the values so far (0 elsewhere)
//   1 measured mask (1 measured, 0 not yet)
//   2 nearest-neighbour reconstruction, standardised the same way
//   3 distance to the nearest sample in units of 8 grid steps, capped at 4
//   4 local range: max - min of the reconstruction within 2 grid steps, standardised and
//     capped at 4 (where neighbouring samples disagree, an edge runs between them)
//   5 fraction of positions visited (a constant plane: how far into the dose budget)
// Standardising makes the policy blind to the detector's gain and the dose per position.
inline constexpr std::size_t kScanFeatureChannels = 6;

// Fills `out` (kScanFeatureChannels * positions floats).
void scan_policy_features(const SparseScanImage& scan, std::span<float> out);

}  // namespace edgeloop::scan
