#include "edgeloop/pipeline/saxs/azimuthal_integrator.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "edgeloop/pipeline/saxs/azimuthal_binning_kernel.hpp"

namespace edgeloop::saxs {
namespace {

constexpr std::size_t kMaxBins = std::size_t{1} << 24U;
constexpr int kMaxWeightBits = 40;

void check_range_end(const std::optional<double>& value, const char* name) {
  if (value && !(std::isfinite(*value) && *value >= 0.0)) {
    throw std::invalid_argument(std::string("AzimuthalIntegrator: ") + name +
                                " must be finite and >= 0, got " + std::to_string(*value));
  }
}

}  // namespace

AzimuthalIntegrator::AzimuthalIntegrator(const formats::PoniGeometry& geometry,
                                         AzimuthalIntegratorOptions options,
                                         std::span<const std::uint8_t> mask)
    : geometry_(geometry.parameters()), options_(options) {
  if (options_.bins == 0 || options_.bins > kMaxBins) {
    throw std::invalid_argument("AzimuthalIntegrator: bins must be within 1.." +
                                std::to_string(kMaxBins) + ", got " +
                                std::to_string(options_.bins));
  }
  check_range_end(options_.radial_min, "radial_min");
  check_range_end(options_.radial_max, "radial_max");
  if (options_.radial_min && options_.radial_max &&
      !(*options_.radial_min < *options_.radial_max)) {
    throw std::invalid_argument("AzimuthalIntegrator: radial_min must be below radial_max");
  }
  if (options_.polarization_factor && !(std::abs(*options_.polarization_factor) <= 1.0)) {
    throw std::invalid_argument("AzimuthalIntegrator: polarization_factor must be within -1..1");
  }
  const std::size_t n = geometry.pixel_count();
  if (!mask.empty() && mask.size() != n) {
    throw std::invalid_argument("AzimuthalIntegrator: mask has " + std::to_string(mask.size()) +
                                " pixels, the detector " + std::to_string(n));
  }
  if (n > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max())) {
    throw std::invalid_argument("AzimuthalIntegrator: detector too large");
  }

  std::vector<double> radial = geometry.q_array();
  for (double& r : radial) r = radial_from_q_nm(options_.unit, r);
  std::vector<double> weight = geometry.solid_angle_array();
  if (options_.polarization_factor) {
    const std::vector<double> polarization =
        geometry.polarization_array(*options_.polarization_factor);
    for (std::size_t i = 0; i < n; ++i) weight[i] *= polarization[i];
  }

  // Pixels the geometry alone rules out (a weight of 0 carries no signal and would divide by 0).
  std::vector<std::uint8_t> usable(n, 0);
  double data_min = std::numeric_limits<double>::infinity();
  double data_max = -std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < n; ++i) {
    if (!mask.empty() && mask[i] != 0) {
      ++masked_pixels_;
      continue;
    }
    if (!std::isfinite(radial[i]) || !(weight[i] > 0.0)) continue;
    usable[i] = 1;
    data_min = std::min(data_min, radial[i]);
    data_max = std::max(data_max, radial[i]);
  }
  if (!(data_min <= data_max)) {
    throw std::invalid_argument("AzimuthalIntegrator: the mask leaves no pixel to integrate");
  }
  radial_min_ = options_.radial_min.value_or(data_min);
  radial_max_ = options_.radial_max.value_or(data_max);
  if (!(radial_min_ < radial_max_)) {
    throw std::invalid_argument("AzimuthalIntegrator: empty radial range [" +
                                std::to_string(radial_min_) + ", " + std::to_string(radial_max_) +
                                "]");
  }

  const std::size_t bins = options_.bins;
  const double width = (radial_max_ - radial_min_) / static_cast<double>(bins);
  centres_.resize(bins);
  for (std::size_t k = 0; k < bins; ++k) {
    centres_[k] = radial_min_ + (static_cast<double>(k) + 0.5) * width;
  }

  bin_.assign(n, -1);
  std::vector<std::uint64_t> pixels_in_bin(bins, 0);
  double max_weight = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    if (usable[i] == 0) continue;
    const double r = radial[i];
    if (r < radial_min_ || r > radial_max_) {
      ++out_of_range_pixels_;
      continue;
    }
    // The scaled position rather than (r - min) / width, so that r == radial_max lands exactly
    // on `bins` and is folded into the last bin, as numpy.histogram counts its right edge.
    const double position =
        (r - radial_min_) / (radial_max_ - radial_min_) * static_cast<double>(bins);
    const std::size_t k = std::min(static_cast<std::size_t>(position), bins - 1);
    bin_[i] = static_cast<std::int32_t>(k);
    ++pixels_in_bin[k];
    max_weight = std::max(max_weight, weight[i]);
  }

  // As many fractional bits as the fullest bin's 64-bit sum allows with a factor 2 to spare (for
  // the rounding of each weight), at most kMaxWeightBits.
  const double fullest =
      static_cast<double>(*std::max_element(pixels_in_bin.begin(), pixels_in_bin.end()));
  weight_bits_ = kMaxWeightBits;
  while (weight_bits_ > 0 && std::ldexp(max_weight * fullest, weight_bits_) >= 0x1p62) {
    --weight_bits_;
  }
  weight_fixed_.assign(n, 0);
  static_weight_fixed_.assign(bins, 0);
  static_pixels_ = std::move(pixels_in_bin);
  for (std::size_t i = 0; i < n; ++i) {
    if (bin_[i] < 0) continue;
    weight_fixed_[i] =
        static_cast<std::uint64_t>(std::llround(std::ldexp(weight[i], weight_bits_)));
    static_weight_fixed_[static_cast<std::size_t>(bin_[i])] += weight_fixed_[i];
  }
}

double AzimuthalIntegrator::pixel_weight(std::size_t pixel) const {
  return std::ldexp(static_cast<double>(weight_fixed_.at(pixel)), -weight_bits_);
}

BinnedSums AzimuthalIntegrator::static_sums() const {
  BinnedSums sums;
  sums.counts.assign(bins(), 0.0);
  sums.norm.resize(bins());
  for (std::size_t k = 0; k < bins(); ++k) {
    sums.norm[k] = std::ldexp(static_cast<double>(static_weight_fixed_[k]), -weight_bits_);
  }
  sums.pixels = static_pixels_;
  return sums;
}

void AzimuthalIntegrator::integrate(std::span<const std::byte> pixels, wire::DType dtype,
                                    BinnedSums& out) const {
  const std::size_t bins = this->bins();
  out.counts.resize(bins);
  out.norm.resize(bins);
  out.pixels.resize(bins);
  std::vector<std::uint64_t> rejected_weight(bins);
  azimuthal_bin_kokkos(pixels, dtype, bin_, weight_fixed_, out.counts, rejected_weight, out.pixels);
  for (std::size_t k = 0; k < bins; ++k) {
    // out.pixels holds the rejected pixels until here.
    out.pixels[k] = static_pixels_[k] - out.pixels[k];
    out.norm[k] = std::ldexp(static_cast<double>(static_weight_fixed_[k] - rejected_weight[k]),
                             -weight_bits_);
  }
}

BinnedSums AzimuthalIntegrator::integrate(std::span<const std::byte> pixels,
                                          wire::DType dtype) const {
  BinnedSums out;
  integrate(pixels, dtype, out);
  return out;
}

}  // namespace edgeloop::saxs
