#include "edgeloop/sims/saxs_detector.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>
#include <string>

#include "edgeloop/core/dtype.hpp"
#include "edgeloop/sims/random.hpp"
#include "edgeloop/sims/seeding.hpp"

namespace edgeloop::sims {
namespace {

// Seeds the placement of bad pixels apart from the specimen and the noise.
constexpr std::uint64_t kBadPixelStream = 3;

[[noreturn]] void invalid(const std::string& name, const std::string& problem) {
  throw std::invalid_argument("SaxsDetector: " + name + " " + problem);
}

bool in_gap(std::uint32_t index, std::uint32_t module, std::uint32_t gap) {
  if (module == 0 || gap == 0) return false;
  return index % (module + gap) >= module;
}

void validate(const SaxsDetectorSettings& s, const formats::PoniGeometry& g, double polarization) {
  if (s.rows < 16 || s.rows > 4096) invalid("rows", "must be within 16..4096");
  if (s.cols < 16 || s.cols > 4096) invalid("cols", "must be within 16..4096");
  if (!(s.pixel_size_um >= 1.0 && s.pixel_size_um <= 1000.0)) {
    invalid("pixel_size_um", "must be within 1..1000");
  }
  if (s.dtype != wire::DType::U16 && s.dtype != wire::DType::U32) {
    invalid("dtype", "must be u16 or u32");
  }
  if (s.module_rows > 4096) invalid("module_rows", "must be within 0..4096");
  if (s.module_cols > 4096) invalid("module_cols", "must be within 0..4096");
  if (s.gap_rows > 256) invalid("gap_rows", "must be within 0..256");
  if (s.gap_cols > 256) invalid("gap_cols", "must be within 0..256");
  if (!(s.beamstop_radius_mm >= 0.0 && s.beamstop_radius_mm <= 100.0)) {
    invalid("beamstop_radius_mm", "must be within 0..100");
  }
  if (!(s.beamstop_arm_width_mm >= 0.0 && s.beamstop_arm_width_mm <= 100.0)) {
    invalid("beamstop_arm_width_mm", "must be within 0..100");
  }
  if (!std::isfinite(s.beamstop_arm_angle_deg)) invalid("beamstop_arm_angle_deg", "must be finite");
  const std::size_t pixels = static_cast<std::size_t>(s.rows) * s.cols;
  if (std::size_t{s.dead_pixels} + s.hot_pixels > pixels / 100) {
    invalid("dead_pixels", "plus hot_pixels must stay below 1% of the pixels");
  }
  if (!(s.dark_counts_per_s >= 0.0 && s.dark_counts_per_s <= 1e6)) {
    invalid("dark_counts_per_s", "must be within 0..1e6");
  }
  if (!(std::abs(polarization) <= 1.0)) invalid("polarization_factor", "must be within -1..1");
  if (g.rows() != s.rows || g.cols() != s.cols) {
    invalid("geometry", "shape " + std::to_string(g.rows()) + "x" + std::to_string(g.cols()) +
                            " differs from the detector's " + std::to_string(s.rows) + "x" +
                            std::to_string(s.cols));
  }
  const double pitch = s.pixel_size_um * 1e-6;
  for (const double p : {g.parameters().pixel1, g.parameters().pixel2}) {
    if (std::abs(p - pitch) > 1e-9 * pitch) {
      invalid("geometry", "pixel size differs from pixel_size_um");
    }
  }
}

}  // namespace

SaxsDetector::SaxsDetector(const SaxsDetectorSettings& settings, formats::PoniGeometry geometry,
                           double polarization_factor, std::uint64_t seed)
    : settings_(settings),
      geometry_(std::move(geometry)),
      polarization_factor_(polarization_factor) {
  validate(settings_, geometry_, polarization_factor_);
  const std::uint32_t rows = settings_.rows;
  const std::uint32_t cols = settings_.cols;
  const std::size_t n = static_cast<std::size_t>(rows) * cols;
  mask_.assign(n, 0);
  q_.resize(n);
  efficiency_.resize(n);

  std::array<double, 2> centre{};
  try {
    centre = geometry_.beam_centre();
  } catch (const std::domain_error&) {
    invalid("geometry", "puts the detector plane along the beam");
  }
  const double pixel_mm = settings_.pixel_size_um * 1e-3;
  const double radius = settings_.beamstop_radius_mm;
  const double half_arm = 0.5 * settings_.beamstop_arm_width_mm;
  const double angle = settings_.beamstop_arm_angle_deg * std::numbers::pi / 180.0;
  const double arm_cos = std::cos(angle);
  const double arm_sin = std::sin(angle);

  for (std::uint32_t i = 0; i < rows; ++i) {
    const bool gap_row = in_gap(i, settings_.module_rows, settings_.gap_rows);
    const double dy = (i + 0.5 - centre[0]) * pixel_mm;
    for (std::uint32_t j = 0; j < cols; ++j) {
      const std::size_t k = static_cast<std::size_t>(i) * cols + j;
      if (gap_row || in_gap(j, settings_.module_cols, settings_.gap_cols)) mask_[k] |= kMaskGap;
      const double dx = (j + 0.5 - centre[1]) * pixel_mm;
      const bool disc = dx * dx + dy * dy <= radius * radius && radius > 0.0;
      const double along = dx * arm_cos + dy * arm_sin;
      const double across = std::abs(dy * arm_cos - dx * arm_sin);
      const bool arm = half_arm > 0.0 && along >= 0.0 && across <= half_arm;
      if (disc || arm) mask_[k] |= kMaskBeamstop;
      const double q = geometry_.q_nm(i, j);
      q_[k] = static_cast<float>(q);
      q_max_ = std::max(q_max_, q);
      efficiency_[k] = static_cast<float>(geometry_.solid_angle_sr(i, j) *
                                          geometry_.polarization(i, j, polarization_factor_));
    }
  }

  // Bad pixels land on otherwise good pixels, drawn from their own stream of the seed. The
  // settings cap them at 1% of the pixels, so free pixels are found quickly unless the gaps and
  // beamstop cover nearly everything; the attempt limit keeps that case finite.
  Xoshiro256 rng(detail::derive_seed({kBadPixelStream, seed}));
  const auto pixels = static_cast<std::uint32_t>(n);
  const auto place = [&](std::uint32_t count, std::uint32_t bit) {
    std::uint32_t placed = 0;
    for (std::size_t attempt = 0; placed < count && attempt < 1000 * n; ++attempt) {
      const std::uint32_t k = uniform_below(rng, pixels);
      if (mask_[k] != 0) continue;
      mask_[k] = bit;
      ++placed;
    }
  };
  place(settings_.dead_pixels, kMaskDead);
  place(settings_.hot_pixels, kMaskHot);
}

std::size_t SaxsDetector::bytes_per_frame() const {
  return pixel_count() * dtype_size(settings_.dtype);
}

std::size_t SaxsDetector::count_masked(std::uint32_t bits) const {
  return static_cast<std::size_t>(
      std::count_if(mask_.begin(), mask_.end(), [&](std::uint32_t m) { return (m & bits) != 0; }));
}

void SaxsDetector::expected(const IntensityCurve& curve, const Exposure& exposure,
                            std::span<double> out) const {
  if (out.size() != pixel_count()) {
    throw std::invalid_argument("SaxsDetector::expected: buffer of " + std::to_string(out.size()) +
                                " pixels, detector has " + std::to_string(pixel_count()));
  }
  if (!(exposure.photons_cm >= 0.0) || !(exposure.background_per_cm >= 0.0) ||
      !(exposure.dark_counts >= 0.0) || !std::isfinite(exposure.photons_cm) ||
      !std::isfinite(exposure.background_per_cm) || !std::isfinite(exposure.dark_counts)) {
    throw std::invalid_argument("SaxsDetector::expected: exposure values must be finite and >= 0");
  }
  const double inv_step = 1.0 / curve.q_step();
  const std::span<const double> intensity = curve.intensity();
  const double last = static_cast<double>(intensity.size() - 1);
  for (std::size_t k = 0; k < out.size(); ++k) {
    // Gaps and bad pixels record nothing; under the beamstop's shadow a working pixel still
    // counts its dark counts, as on the instrument.
    if ((mask_[k] & ~kMaskBeamstop) != 0) {
      out[k] = 0.0;
      continue;
    }
    if (mask_[k] != 0) {
      out[k] = exposure.dark_counts;
      continue;
    }
    const double position = static_cast<double>(q_[k]) * inv_step;
    double i_q = intensity.back();
    if (position < last) {
      const auto m = static_cast<std::size_t>(position);
      const double f = position - static_cast<double>(m);
      i_q = intensity[m] + f * (intensity[m + 1] - intensity[m]);
    }
    out[k] = exposure.photons_cm * (i_q + exposure.background_per_cm) *
                 static_cast<double>(efficiency_[k]) +
             exposure.dark_counts;
  }
}

template <class T>
void SaxsDetector::render(std::span<const double> expected, std::uint64_t noise_seed,
                          std::span<T> out) const {
  if (expected.size() != pixel_count() || out.size() != pixel_count()) {
    throw std::invalid_argument("SaxsDetector::render: buffers must hold " +
                                std::to_string(pixel_count()) + " pixels");
  }
  constexpr T kMasked = std::numeric_limits<T>::max();
  constexpr std::uint64_t kFull = std::uint64_t{kMasked} - 1;
  Xoshiro256 noise(noise_seed);
  for (std::size_t k = 0; k < out.size(); ++k) {
    // The detector itself flags only what it knows: module gaps and bad pixels. Where the
    // beamstop sits is the experiment's business (the truth file's mask has it).
    if ((mask_[k] & ~kMaskBeamstop) != 0) {
      out[k] = kMasked;
      continue;
    }
    out[k] = static_cast<T>(std::min(poisson(noise, expected[k]), kFull));
  }
}

template void SaxsDetector::render<std::uint16_t>(std::span<const double>, std::uint64_t,
                                                  std::span<std::uint16_t>) const;
template void SaxsDetector::render<std::uint32_t>(std::span<const double>, std::uint64_t,
                                                  std::span<std::uint32_t>) const;

}  // namespace edgeloop::sims
