#include "edgeloop/sims/detector_psf.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

namespace edgeloop::sims {

GaussianPsf::GaussianPsf(double sigma_px) : sigma_(sigma_px) {
  if (!std::isfinite(sigma_px) || sigma_px < 0.0 || sigma_px > 64.0) {
    throw std::invalid_argument("GaussianPsf: sigma must be within 0..64 pixels, got " +
                                std::to_string(sigma_px));
  }
  if (!enabled()) return;
  const auto reach = static_cast<int>(std::ceil(4.0 * sigma_px));
  const auto cdf = [&](double u) { return 0.5 * std::erfc(-u / (sigma_px * std::numbers::sqrt2)); };
  double sum = 0.0;
  for (int d = -reach; d <= reach; ++d) {
    kernel_.push_back(cdf(d + 0.5) - cdf(d - 0.5));
    sum += kernel_.back();
  }
  for (double& tap : kernel_) tap /= sum;  // the 4-sigma tails, 6e-5, go to the rest
}

void GaussianPsf::apply(std::span<double> image, std::uint32_t size) {
  if (image.size() != static_cast<std::size_t>(size) * size) {
    throw std::invalid_argument("GaussianPsf::apply: image is not " + std::to_string(size) + " x " +
                                std::to_string(size));
  }
  if (!enabled()) return;
  const auto n = static_cast<std::ptrdiff_t>(size);
  const auto reach = static_cast<std::ptrdiff_t>(kernel_.size() / 2);
  scratch_.assign(image.size(), 0.0);
  // Rows into scratch, then columns back into the image; out-of-range taps fall off the sensor.
  for (std::ptrdiff_t i = 0; i < n; ++i) {
    const double* row = image.data() + i * n;
    double* out = scratch_.data() + i * n;
    for (std::ptrdiff_t j = 0; j < n; ++j) {
      const double v = row[j];
      if (v == 0.0) continue;
      const std::ptrdiff_t lo = std::max<std::ptrdiff_t>(0, j - reach);
      const std::ptrdiff_t hi = std::min<std::ptrdiff_t>(n - 1, j + reach);
      const double* tap = kernel_.data() + (lo - j + reach);
      for (std::ptrdiff_t t = lo; t <= hi; ++t) out[t] += v * *tap++;
    }
  }
  std::fill(image.begin(), image.end(), 0.0);
  for (std::ptrdiff_t i = 0; i < n; ++i) {
    const double* in = scratch_.data() + i * n;
    const std::ptrdiff_t lo = std::max<std::ptrdiff_t>(0, i - reach);
    const std::ptrdiff_t hi = std::min<std::ptrdiff_t>(n - 1, i + reach);
    for (std::ptrdiff_t t = lo; t <= hi; ++t) {
      const double w = kernel_[static_cast<std::size_t>(t - i + reach)];
      double* out = image.data() + t * n;
      for (std::ptrdiff_t j = 0; j < n; ++j) out[j] += w * in[j];
    }
  }
}

}  // namespace edgeloop::sims
