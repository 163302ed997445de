// A 1-D scattering curve I(q) with its standard errors, and how one is made from binned sums
// under Poisson counting statistics.
#pragma once

#include <span>
#include <vector>

#include "edgeloop/pipeline/saxs/binned_sums.hpp"

namespace edgeloop::saxs {

struct IntensityProfile {
  std::vector<double> q;          // bin centres
  std::vector<double> intensity;  // NaN for an empty bin
  std::vector<double> sigma;      // one standard error per value, NaN for an empty bin
};

// I = Σcounts / (Σnorm · divisor) and σ = sqrt(Σcounts) / (Σnorm · divisor) per bin (pyFAI's
// "poisson" error model with the variance taken as the counts themselves, so a bin of zero
// counts has σ = 0). `divisor` (exposure time, flux, pyFAI's normalization_factor) must be
// finite and > 0. A bin without pixels or without weight is NaN in both. q.size() must equal
// the number of bins. std::invalid_argument otherwise.
IntensityProfile poisson_intensity(std::span<const double> q, const BinnedSums& sums,
                                   double divisor = 1.0);

}  // namespace edgeloop::saxs
