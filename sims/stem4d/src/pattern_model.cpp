#include "edgeloop/sims/pattern_model.hpp"

#include <bit>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

#include "edgeloop/sims/seeding.hpp"

namespace edgeloop::sims {

PatternModel::PatternModel(Stem4DSpecimen specimen, DetectorSettings detector, ProbeOptics optics,
                           std::uint64_t seed)
    : specimen_(std::move(specimen)),
      detector_(detector),
      optics_(optics),
      seed_(seed),
      centre_(0.5 * detector.size),
      bf_radius_(detector.size / 12.0) {
  if (detector.size < 16 || detector.size > 4096) {
    throw std::invalid_argument("PatternModel: detector size " + std::to_string(detector.size) +
                                " is outside 16..4096");
  }
  if (!(detector.dark_counts_per_pixel >= 0.0) || !std::isfinite(detector.dark_counts_per_pixel)) {
    throw std::invalid_argument("PatternModel: dark counts must be finite and >= 0");
  }
  if (!(detector.psf_sigma_px >= 0.0) || !(detector.psf_sigma_px <= 64.0)) {
    throw std::invalid_argument("PatternModel: psf_sigma_px must be within 0..64, got " +
                                std::to_string(detector.psf_sigma_px));
  }
  optics.validate();
}

double PatternModel::spot_radius(int phase) const {
  const auto phases = Stem4DSpecimen::phases();
  if (phase < 0 || static_cast<std::size_t>(phase) >= phases.size()) {
    throw std::out_of_range("PatternModel::spot_radius: no phase " + std::to_string(phase));
  }
  return phases[static_cast<std::size_t>(phase)].g_per_nm * pixels_per_inverse_nm();
}

std::uint64_t PatternModel::noise_seed(double x, double y, std::uint32_t visit) const {
  // The exact position (+0.0 for -0.0, so one point has one stream) and the visit number.
  const auto bits = [](double v) { return std::bit_cast<std::uint64_t>(v == 0.0 ? 0.0 : v); };
  return detail::derive_seed({detail::kNoiseStream, seed_, bits(x), bits(y), visit});
}

std::vector<double> PatternModel::gaussian_halo(double sigma) const {
  const std::uint32_t n = size();
  std::vector<double> axis(n);
  double axis_mass = 0.0;
  const auto cdf = [&](double u) {
    return 0.5 * std::erfc(-(u - centre_) / (sigma * std::numbers::sqrt2));
  };
  for (std::uint32_t k = 0; k < n; ++k) {
    axis[k] = cdf(k + 1.0) - cdf(static_cast<double>(k));
    axis_mass += axis[k];
  }
  std::vector<double> halo(pixel_count());
  for (std::uint32_t i = 0; i < n; ++i) {
    for (std::uint32_t j = 0; j < n; ++j) {
      halo[static_cast<std::size_t>(i) * n + j] = axis[i] * axis[j] / (axis_mass * axis_mass);
    }
  }
  return halo;
}

ProbeState PatternModel::checked(double x, double y, const ProbeState& probe, std::size_t pixels,
                                 const char* call) const {
  const std::string where = std::string(name()) + " model " + call;
  if (pixels != pixel_count()) {
    throw std::invalid_argument(where + ": buffer of " + std::to_string(pixels) +
                                " pixels, detector has " + std::to_string(pixel_count()));
  }
  if (!std::isfinite(x) || !std::isfinite(y)) {
    throw std::invalid_argument(where + ": probe position must be finite");
  }
  if (!std::isfinite(probe.electrons) || probe.electrons < 0.0) {
    throw std::invalid_argument(where + ": electrons must be finite and >= 0, got " +
                                std::to_string(probe.electrons));
  }
  if (!std::isfinite(probe.defocus_nm) || std::abs(probe.defocus_nm) > max_defocus_nm()) {
    throw std::invalid_argument(where + ": defocus " + std::to_string(probe.defocus_nm) +
                                " nm is outside +-" + std::to_string(max_defocus_nm()) + " nm");
  }
  ProbeState effective = probe;
  if (effective.blanked) effective.electrons = 0.0;
  return effective;
}

void PatternModel::render(double x, double y, const ProbeState& probe,
                          std::span<std::uint8_t> out) {
  render_counts(x, y, checked(x, y, probe, out.size(), "render"), out);
}
void PatternModel::render(double x, double y, const ProbeState& probe,
                          std::span<std::uint16_t> out) {
  render_counts(x, y, checked(x, y, probe, out.size(), "render"), out);
}
void PatternModel::render(double x, double y, const ProbeState& probe,
                          std::span<std::uint32_t> out) {
  render_counts(x, y, checked(x, y, probe, out.size(), "render"), out);
}

void PatternModel::expected(double x, double y, const ProbeState& probe,
                            std::span<double> out) const {
  expected_counts(x, y, checked(x, y, probe, out.size(), "expected"), out);
}

}  // namespace edgeloop::sims
