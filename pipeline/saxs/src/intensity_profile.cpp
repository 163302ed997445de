#include "edgeloop/pipeline/saxs/intensity_profile.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace edgeloop::saxs {

IntensityProfile poisson_intensity(std::span<const double> q, const BinnedSums& sums,
                                   double divisor) {
  const std::size_t bins = q.size();
  if (sums.counts.size() != bins || sums.norm.size() != bins || sums.pixels.size() != bins) {
    throw std::invalid_argument("poisson_intensity: sums and q differ in size");
  }
  if (!(std::isfinite(divisor) && divisor > 0.0)) {
    throw std::invalid_argument("poisson_intensity: divisor must be finite and > 0");
  }
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  IntensityProfile profile;
  profile.q.assign(q.begin(), q.end());
  profile.intensity.assign(bins, kNaN);
  profile.sigma.assign(bins, kNaN);
  for (std::size_t k = 0; k < bins; ++k) {
    const double denominator = sums.norm[k] * divisor;
    if (sums.pixels[k] == 0 || !(denominator > 0.0)) continue;
    profile.intensity[k] = sums.counts[k] / denominator;
    // Negative sums (float frames after background subtraction) have no Poisson error.
    profile.sigma[k] = sums.counts[k] >= 0.0 ? std::sqrt(sums.counts[k]) / denominator : kNaN;
  }
  return profile;
}

}  // namespace edgeloop::saxs
