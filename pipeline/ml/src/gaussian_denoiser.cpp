#include "edgeloop/pipeline/ml/gaussian_denoiser.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace edgeloop::ml {

GaussianDenoiser::GaussianDenoiser(double sigma) : sigma_(sigma) {
  if (!(sigma > 0.0) || !std::isfinite(sigma) || sigma > 64.0) {
    throw std::invalid_argument("gaussian denoiser: sigma must be in (0, 64] pixels");
  }
  const auto radius = static_cast<std::size_t>(std::ceil(3.0 * sigma));
  kernel_.resize(2 * radius + 1);
  double sum = 0.0;
  for (std::size_t i = 0; i < kernel_.size(); ++i) {
    const double d = static_cast<double>(i) - static_cast<double>(radius);
    kernel_[i] = std::exp(-0.5 * d * d / (sigma * sigma));
    sum += kernel_[i];
  }
  for (double& k : kernel_) k /= sum;
}

void GaussianDenoiser::apply(std::span<const double> image, std::span<const std::uint8_t> invalid,
                             std::size_t rows, std::size_t cols, std::span<double> out) const {
  if (image.size() != rows * cols || out.size() != image.size() ||
      (!invalid.empty() && invalid.size() != image.size())) {
    throw std::invalid_argument("gaussian denoiser: image, mask and output sizes differ");
  }
  const auto radius = static_cast<std::ptrdiff_t>(kernel_.size() / 2);
  const auto n_rows = static_cast<std::ptrdiff_t>(rows);
  const auto n_cols = static_cast<std::ptrdiff_t>(cols);
  auto ok = [&](std::size_t i) { return invalid.empty() || invalid[i] == 0; };
  // Normalised convolution: filter the masked image and the mask, divide. Horizontal pass.
  std::vector<double> value_h(image.size(), 0.0);
  std::vector<double> weight_h(image.size(), 0.0);
  for (std::ptrdiff_t r = 0; r < n_rows; ++r) {
    for (std::ptrdiff_t c = 0; c < n_cols; ++c) {
      double v = 0.0;
      double w = 0.0;
      for (std::ptrdiff_t k = -radius; k <= radius; ++k) {
        const std::ptrdiff_t cc = c + k;
        if (cc < 0 || cc >= n_cols) continue;
        const auto i = static_cast<std::size_t>(r * n_cols + cc);
        if (!ok(i)) continue;
        const double t = kernel_[static_cast<std::size_t>(k + radius)];
        v += t * image[i];
        w += t;
      }
      const auto o = static_cast<std::size_t>(r * n_cols + c);
      value_h[o] = v;
      weight_h[o] = w;
    }
  }
  for (std::ptrdiff_t r = 0; r < n_rows; ++r) {
    for (std::ptrdiff_t c = 0; c < n_cols; ++c) {
      const auto o = static_cast<std::size_t>(r * n_cols + c);
      if (!ok(o)) {
        out[o] = image[o];
        continue;
      }
      double v = 0.0;
      double w = 0.0;
      for (std::ptrdiff_t k = -radius; k <= radius; ++k) {
        const std::ptrdiff_t rr = r + k;
        if (rr < 0 || rr >= n_rows) continue;
        const auto i = static_cast<std::size_t>(rr * n_cols + c);
        const double t = kernel_[static_cast<std::size_t>(k + radius)];
        v += t * value_h[i];
        w += t * weight_h[i];
      }
      out[o] = w > 0.0 ? v / w : image[o];
    }
  }
}

double psnr_db(std::span<const double> estimate, std::span<const double> truth) {
  if (estimate.empty() || estimate.size() != truth.size()) {
    throw std::invalid_argument("psnr: empty or mismatched images");
  }
  double peak = 0.0;
  double se = 0.0;
  for (std::size_t i = 0; i < truth.size(); ++i) {
    peak = std::max(peak, truth[i]);
    const double d = estimate[i] - truth[i];
    se += d * d;
  }
  const double mse = se / static_cast<double>(truth.size());
  if (mse == 0.0) return std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(peak * peak / mse);
}

}  // namespace edgeloop::ml
