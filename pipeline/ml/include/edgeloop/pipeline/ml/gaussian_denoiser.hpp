// The classical denoising baseline: a separable Gaussian filter that leaves invalid pixels
// out of the average (normalised convolution), so detector gaps do not bleed into their
// neighbours. No training, no LibTorch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace edgeloop::ml {

class GaussianDenoiser {
 public:
  // sigma in pixels, > 0 (std::invalid_argument otherwise); the kernel reaches 3 sigma.
  explicit GaussianDenoiser(double sigma);

  double sigma() const { return sigma_; }

  // `image` is row-major rows x cols; `invalid` is empty (all valid) or one flag per pixel,
  // nonzero where the pixel holds no measurement. Invalid pixels come out as they went in.
  // out.size() must equal image.size().
  void apply(std::span<const double> image, std::span<const std::uint8_t> invalid, std::size_t rows,
             std::size_t cols, std::span<double> out) const;

 private:
  double sigma_;
  std::vector<double> kernel_;  // 2 radius + 1 taps, sums to 1
};

// Peak signal-to-noise ratio of `estimate` against the noise-free `truth`, in dB:
// 10 log10(max(truth)^2 / mean((estimate - truth)^2)), the peak being the truth's largest
// value, so the figure does not depend on the estimate's own range. Infinite for a perfect
// estimate; std::invalid_argument for empty or mismatched inputs.
double psnr_db(std::span<const double> estimate, std::span<const double> truth);

}  // namespace edgeloop::ml
