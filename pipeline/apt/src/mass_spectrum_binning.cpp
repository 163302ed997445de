#include "edgeloop/pipeline/apt/mass_spectrum_binning.hpp"

#include <stdexcept>
#include <string>

namespace edgeloop {

MassSpectrumBinning::MassSpectrumBinning(double mz_min, double mz_max, double bin_width) {
  if (!std::isfinite(mz_min) || mz_min < 0.0) {
    throw std::invalid_argument("mz_min must be a finite number >= 0, got " +
                                std::to_string(mz_min));
  }
  if (!std::isfinite(mz_max) || !(mz_max > mz_min)) {
    throw std::invalid_argument("mz_max must be finite and above mz_min (" +
                                std::to_string(mz_min) + "), got " + std::to_string(mz_max));
  }
  if (!std::isfinite(bin_width) || !(bin_width > 0.0)) {
    throw std::invalid_argument("bin_width must be a finite number > 0, got " +
                                std::to_string(bin_width));
  }
  // A range that is a whole number of bins up to rounding (120 / 0.05) must not grow a bin.
  const double bins = std::ceil((mz_max - mz_min) / bin_width - 1e-9);
  if (bins > static_cast<double>(kMaxBins)) {
    throw std::invalid_argument("bin_width " + std::to_string(bin_width) + " gives " +
                                std::to_string(bins) + " bins over [mz_min, mz_max), more than " +
                                std::to_string(kMaxBins));
  }
  mz_min_ = mz_min;
  bin_width_ = bin_width;
  bins_ = static_cast<std::uint32_t>(std::max(bins, 1.0));
}

std::vector<double> MassSpectrumBinning::centres() const {
  std::vector<double> c(bins_);
  for (std::uint32_t i = 0; i < bins_; ++i) c[i] = mz_min_ + (i + 0.5) * bin_width_;
  return c;
}

}  // namespace edgeloop
