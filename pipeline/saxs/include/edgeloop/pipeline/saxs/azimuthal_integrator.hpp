// pyFAI-style 1-D azimuthal integration of area-detector frames into radial bins, with the
// per-pixel geometry (bin, solid angle × polarisation) precomputed once from PONI geometry.
#pragma once

#include <edgeloop/wire/common_generated.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "edgeloop/formats/poni_geometry.hpp"
#include "edgeloop/pipeline/saxs/binned_sums.hpp"
#include "edgeloop/pipeline/saxs/radial_unit.hpp"

namespace edgeloop::saxs {

struct AzimuthalIntegratorOptions {
  std::size_t bins = 500;
  RadialUnit unit = RadialUnit::QNm;
  // pyFAI's radial_range, in `unit`. An absent end is taken from the data: the smallest
  // (largest) radial value of a pixel that the mask leaves in.
  std::optional<double> radial_min{};
  std::optional<double> radial_max{};
  // pyFAI's polarization_factor (-1..1; 0 unpolarised, 0.99 a horizontal undulator beam);
  // nullopt applies no polarisation correction at all, as pyFAI's None does.
  std::optional<double> polarization_factor = 0.99;
};

// Follows pyFAI's AzimuthalIntegrator.integrate1d with method "no splitting" (histogram on the
// pixel centre): a pixel falls wholly into the bin that holds the radial value of its centre,
// bins are bins equal intervals over [radial_min, radial_max] (a pixel exactly at radial_max
// counts in the last bin) with their centres as the axis, and each pixel is normalised by
//   weight = solid angle relative to the PONI pixel (cos³ of the incidence angle) × polarisation,
// so I = Σ counts / Σ weight over a bin's pixels (correctSolidAngle=True in pyFAI).
//
// A pixel is left out for every frame when the static mask marks it (nonzero), when it lies
// outside the radial range, or when its weight is 0. Per frame, a pixel whose value marks it
// invalid (the dtype's maximum for unsigned types; see azimuthal_binning_kernel.hpp) is left
// out of that frame's counts, weights and pixel count.
//
// Weights are held in fixed point (weight_bits() fractional bits, at most 40; fewer only when
// a bin holds so many pixels that 64-bit sums would need it), so Σ weight is exact and order-
// independent and a bin whose pixels are all rejected sums to exactly 0; the quantisation is
// below 2^-41 per pixel.
//
// Immutable after construction; integrate() may be called from several threads at once.
class AzimuthalIntegrator {
 public:
  // `mask`: one value per pixel, row-major, nonzero = masked (NeXus pixel_mask convention);
  // empty for none. std::invalid_argument naming the problem for bad options (bins 0 or above
  // 2^24, a range end not finite or negative, min >= max), a mask of the wrong size, or when no
  // pixel is left in.
  AzimuthalIntegrator(const formats::PoniGeometry& geometry, AzimuthalIntegratorOptions options,
                      std::span<const std::uint8_t> mask = {});

  const formats::PoniParameters& geometry() const { return geometry_; }
  const AzimuthalIntegratorOptions& options() const { return options_; }
  std::uint32_t rows() const { return geometry_.rows; }
  std::uint32_t cols() const { return geometry_.cols; }
  std::size_t pixel_count() const { return bin_.size(); }
  std::size_t bins() const { return centres_.size(); }
  RadialUnit unit() const { return options_.unit; }
  // The radial range in effect, in unit(): the options' or the data's.
  double radial_min() const { return radial_min_; }
  double radial_max() const { return radial_max_; }
  // Bin centres in unit(), the I(q) axis.
  std::span<const double> bin_centres() const { return centres_; }

  // Pixels the static mask leaves out, and pixels left in by it that fall outside the range.
  std::size_t masked_pixels() const { return masked_pixels_; }
  std::size_t out_of_range_pixels() const { return out_of_range_pixels_; }
  // Per pixel, row-major: its bin, or -1 when left out; and its weight as used.
  std::span<const std::int32_t> pixel_bins() const { return bin_; }
  double pixel_weight(std::size_t pixel) const;
  int weight_bits() const { return weight_bits_; }
  // Σ weight and pixel count per bin when no pixel is rejected per frame.
  BinnedSums static_sums() const;

  // Sums of one frame of rows() × cols() pixels of `dtype` (row-major, little-endian, any
  // alignment). std::invalid_argument when the byte count does not match or the dtype is
  // Unknown; std::logic_error without a live KokkosRuntime. `out` is resized and overwritten, so
  // a caller that keeps it reuses its buffers.
  void integrate(std::span<const std::byte> pixels, wire::DType dtype, BinnedSums& out) const;
  BinnedSums integrate(std::span<const std::byte> pixels, wire::DType dtype) const;

 private:
  formats::PoniParameters geometry_;
  AzimuthalIntegratorOptions options_;
  double radial_min_ = 0.0;
  double radial_max_ = 0.0;
  int weight_bits_ = 40;
  std::vector<std::int32_t> bin_;
  std::vector<std::uint64_t> weight_fixed_;
  std::vector<double> centres_;
  std::vector<std::uint64_t> static_weight_fixed_;
  std::vector<std::uint64_t> static_pixels_;
  std::size_t masked_pixels_ = 0;
  std::size_t out_of_range_pixels_ = 0;
};

}  // namespace edgeloop::saxs
