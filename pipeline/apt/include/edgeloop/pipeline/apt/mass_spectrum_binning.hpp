// The equal-width bins of a mass spectrum: [mz_min, mz_min + bins·bin_width), one division per
// event to find its bin, the same arithmetic on every backend so counts agree exactly.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

namespace edgeloop {

class MassSpectrumBinning {
 public:
  static constexpr std::uint32_t kMaxBins = 10'000'000;

  MassSpectrumBinning() = default;
  // bins = ceil((mz_max - mz_min) / bin_width), so the last bin may reach past mz_max by less
  // than one bin width (mz_max() reports the true edge). std::invalid_argument naming mz_min,
  // mz_max or bin_width for non-finite values, mz_min < 0, mz_max <= mz_min, bin_width <= 0,
  // or more than kMaxBins bins.
  MassSpectrumBinning(double mz_min, double mz_max, double bin_width);

  double mz_min() const { return mz_min_; }
  double mz_max() const { return mz_min_ + bin_width_ * bins_; }
  double bin_width() const { return bin_width_; }
  std::uint32_t bins() const { return bins_; }
  // Bin centres in Da, the spectrum's axis.
  std::vector<double> centres() const;

  // The bin holding mz, -1 outside the spectrum (NaN included).
  std::int64_t bin_of(double mz) const {
    if (!(mz >= mz_min_)) return -1;
    const double b = std::floor((mz - mz_min_) / bin_width_);
    return b < static_cast<double>(bins_) ? static_cast<std::int64_t>(b) : -1;
  }

 private:
  double mz_min_ = 0.0;
  double bin_width_ = 1.0;
  std::uint32_t bins_ = 0;
};

}  // namespace edgeloop
