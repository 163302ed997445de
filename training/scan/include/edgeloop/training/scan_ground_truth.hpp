// Ground truth for adaptive scanning: the virtual image a 4D-STEM scan of a simulated specimen
// would give, rendered noise-free from the kinematic pattern model on a coarse probe grid.
#pragma once

#include <cstdint>
#include <vector>

namespace edgeloop {

struct ScanTruthSettings {
  std::uint32_t nx = 32;
  std::uint32_t ny = 32;
  double step = 16.0;     // specimen units (nm) between probe positions
  double field = 1024.0;  // the specimen's field; the scan window sits inside it
  std::uint32_t detector_size = 48;
  // The virtual annular detector, in bright-field radii: 2.0-2.9 takes the first-order ring of
  // hex-a whole, square-b in part and hex-c not at all, so phases differ in the image (a
  // virtual dark-field image) and thickness modulates it.
  double annulus_inner = 2.0;
  double annulus_outer = 2.9;
};

// Row-major ny x nx: the fraction of the beam the annulus collects at each probe position
// (dose-free). The specimen and the window's place in its field follow from `seed`.
std::vector<double> render_scan_truth(std::uint64_t seed, const ScanTruthSettings& settings = {});

}  // namespace edgeloop
