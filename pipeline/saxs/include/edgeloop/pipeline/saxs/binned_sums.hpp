// What azimuthal integration of one frame (or many, added up) yields per radial bin before any
// normalisation: the raw sums that I(q), its Poisson error and run averages are made from.
#pragma once

#include <cstdint>
#include <vector>

namespace edgeloop::saxs {

struct BinnedSums {
  // Σ counts of the bin's valid pixels; exact for integer pixel types (up to 2^53 per bin).
  std::vector<double> counts;
  // Σ of the same pixels' normalisation weights (relative solid angle × polarisation).
  std::vector<double> norm;
  // How many pixels went into the bin; 0 for an empty bin.
  std::vector<std::uint64_t> pixels;
};

}  // namespace edgeloop::saxs
