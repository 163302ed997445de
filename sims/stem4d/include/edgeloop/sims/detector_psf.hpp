// A pixelated detector's point-spread function: the Gaussian charge cloud an electron leaves,
// applied as a blur to a frame's expected counts before they are counted.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace edgeloop::sims {

// Separable, truncated at 4 sigma. Each tap is the Gaussian's integral over one pixel (the
// charge a pixel collects from an electron at a neighbour's centre), so a sigma well below a
// pixel blurs nothing, and the pixel's width adds 1/12 px^2 to the spread. Charge that spreads
// past the sensor's edge is lost, as on a real sensor. apply() reuses scratch: one per thread.
class GaussianPsf {
 public:
  // sigma_px in 0..64 pixels; 0 turns the PSF off. std::invalid_argument otherwise.
  explicit GaussianPsf(double sigma_px = 0.0);

  double sigma() const { return sigma_; }
  bool enabled() const { return sigma_ > 0.0; }
  std::span<const double> taps() const { return kernel_; }  // offsets -r..r

  // Blurs a size x size row-major image in place.
  void apply(std::span<double> image, std::uint32_t size);

 private:
  double sigma_;
  std::vector<double> kernel_;
  std::vector<double> scratch_;
};

}  // namespace edgeloop::sims
