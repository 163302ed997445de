#include "simulated_sources.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "edgeloop/sims/saxs_config.hpp"

namespace edgeloop::ml {
namespace {

sims::DetectorSettings stem_detector(std::uint32_t size) {
  sims::DetectorSettings d;
  d.size = size;
  return d;
}

double uniform(std::mt19937_64& rng, double lo, double hi) {
  return std::uniform_real_distribution<double>(lo, hi)(rng);
}

}  // namespace

StemSource::StemSource(std::uint64_t seed, std::uint32_t detector_size)
    : model_(sims::Stem4DSpecimen(seed, kField, kField), stem_detector(detector_size),
             sims::ProbeOptics{}, sims::PhaseObjectSettings{}, seed) {}

void StemSource::expected(double x, double y, double electrons, std::span<double> out) const {
  sims::ProbeState probe;
  probe.electrons = electrons;
  model_.expected(x, y, probe, out);
}

int StemSource::label(double x, double y) const {
  const auto p = model_.specimen().at(x, y);
  return p.vacuum ? 0 : p.phase + 1;
}

bool StemSource::other_grain_within(double x, double y, double radius, int grain) const {
  // Two rings of points: enough for boundaries, which are straight on this scale.
  constexpr int kSteps = 16;
  for (const double r : {radius * 0.5, radius}) {
    for (int k = 0; k < kSteps; ++k) {
      const double a = 2.0 * std::numbers::pi * k / kSteps;
      const auto p = model_.specimen().at(x + r * std::cos(a), y + r * std::sin(a));
      if (p.grain != grain || p.vacuum) return true;
    }
  }
  return false;
}

bool StemSource::at_boundary(double x, double y) const {
  const auto p = model_.specimen().at(x, y);
  return !p.vacuum && other_grain_within(x, y, kBoundaryRadius, p.grain);
}

bool StemSource::in_interior(double x, double y) const {
  const auto p = model_.specimen().at(x, y);
  return !p.vacuum && !other_grain_within(x, y, kInteriorRadius, p.grain);
}

std::array<double, 2> StemSource::position_of(int wanted, std::mt19937_64& rng) const {
  std::array<double, 2> xy{};
  for (int attempt = 0; attempt < 4000; ++attempt) {
    // The hole is around the origin: look for vacuum near it.
    const double extent = wanted == 0 ? kField / 4.0 : kField - 1.0;
    xy = {uniform(rng, 0.0, extent), uniform(rng, 0.0, extent)};
    if (label(xy[0], xy[1]) == wanted) return xy;
  }
  return xy;
}

std::array<double, 2> StemSource::boundary_position(std::mt19937_64& rng) const {
  std::array<double, 2> xy{};
  for (int attempt = 0; attempt < 100000; ++attempt) {
    xy = {uniform(rng, 8.0, kField - 8.0), uniform(rng, 8.0, kField - 8.0)};
    const auto p = model_.specimen().at(xy[0], xy[1]);
    if (p.vacuum || p.defect >= 0) continue;
    // Between two grains (not the hole's edge) within half the boundary radius.
    bool other = false;
    bool hole = false;
    for (int k = 0; k < 16; ++k) {
      const double a = 2.0 * std::numbers::pi * k / 16;
      const auto q = model_.specimen().at(xy[0] + 0.5 * kBoundaryRadius * std::cos(a),
                                          xy[1] + 0.5 * kBoundaryRadius * std::sin(a));
      hole = hole || q.vacuum;
      other = other || q.grain != p.grain;
    }
    if (other && !hole) return xy;
  }
  return xy;
}

std::array<double, 2> StemSource::interior_position(std::mt19937_64& rng) const {
  std::array<double, 2> xy{};
  for (int attempt = 0; attempt < 10000; ++attempt) {
    xy = {uniform(rng, 8.0, kField - 8.0), uniform(rng, 8.0, kField - 8.0)};
    const auto p = model_.specimen().at(xy[0], xy[1]);
    if (p.defect < 0 && in_interior(xy[0], xy[1])) return xy;
  }
  return xy;
}

std::vector<std::string> StemSource::class_names() {
  std::vector<std::string> names{"vacuum"};
  for (const auto& phase : sims::Stem4DSpecimen::phases()) names.emplace_back(phase.name);
  return names;
}

namespace {

sims::SaxsConfig saxs_defaults() {
  return sims::SaxsConfig{};
}

}  // namespace

SaxsSource::SaxsSource(std::uint64_t seed, std::uint32_t bin)
    : bin_(std::max<std::uint32_t>(bin, 1)),
      limits_(saxs_defaults().stage),
      sample_settings_(saxs_defaults().sample),
      detector_(saxs_defaults().detector, formats::PoniGeometry(saxs_defaults().geometry),
                saxs_defaults().beam.polarization_factor, seed),
      sample_(sample_settings_, limits_, seed),
      model_(detector_.q_max() * 1.001 + 1e-6,
             std::clamp<std::size_t>(2 * std::size_t{std::max(detector_.rows(), detector_.cols())},
                                     256, 8192)) {
  const auto cfg = saxs_defaults();
  photons_cm_per_s_ = cfg.beam.flux_photons_per_s * sample_settings_.transmission *
                      sample_settings_.thickness_mm * 0.1;
  dark_per_s_ = cfg.detector.dark_counts_per_s;
  rows_ = detector_.rows() / bin_;
  cols_ = detector_.cols() / bin_;
  invalid_.assign(pixel_count(), 1);
  const auto mask = detector_.mask();
  const std::uint32_t bad = sims::kMaskGap | sims::kMaskDead | sims::kMaskHot;
  for (std::uint32_t r = 0; r < rows_ * bin_; ++r) {
    for (std::uint32_t c = 0; c < cols_ * bin_; ++c) {
      if ((mask[std::size_t{r} * detector_.cols() + c] & bad) == 0) {
        invalid_[std::size_t{r / bin_} * cols_ + c / bin_] = 0;
      }
    }
  }
  masked_ = invalid_;
  for (std::uint32_t r = 0; r < rows_ * bin_; ++r) {
    for (std::uint32_t c = 0; c < cols_ * bin_; ++c) {
      if ((mask[std::size_t{r} * detector_.cols() + c] & sims::kMaskBeamstop) != 0) {
        masked_[std::size_t{r / bin_} * cols_ + c / bin_] = 1;
      }
    }
  }
}

void SaxsSource::expected(double x_mm, double y_mm, double t_c, double exposure_s,
                          std::span<double> out) const {
  sims::Exposure e;
  e.photons_cm = photons_cm_per_s_ * exposure_s;
  e.background_per_cm = sample_settings_.background_per_cm;
  e.dark_counts = dark_per_s_ * exposure_s;
  std::vector<double> full(detector_.pixel_count());
  detector_.expected(model_.curve(sample_.structure_at(x_mm, y_mm, t_c)), e, full);
  std::fill(out.begin(), out.end(), 0.0);
  for (std::uint32_t r = 0; r < rows_ * bin_; ++r) {
    for (std::uint32_t c = 0; c < cols_ * bin_; ++c) {
      out[std::size_t{r / bin_} * cols_ + c / bin_] += full[std::size_t{r} * detector_.cols() + c];
    }
  }
}

double SaxsSource::sphere_share(double x_mm, double y_mm, double t_c) const {
  return sample_.structure_at(x_mm, y_mm, t_c).sphere_share;
}

int SaxsSource::label(double x_mm, double y_mm, double t_c) const {
  return sphere_share(x_mm, y_mm, t_c) >= 0.5 ? 0 : 1;
}

std::array<double, 3> SaxsSource::state_of(int wanted, std::mt19937_64& rng) const {
  std::array<double, 3> s{};
  for (int attempt = 0; attempt < 1000; ++attempt) {
    s = {uniform(rng, limits_.x_min_mm, limits_.x_max_mm),
         uniform(rng, limits_.y_min_mm, limits_.y_max_mm),
         uniform(rng, limits_.temperature_min_c, limits_.temperature_max_c)};
    if (wanted < 0 || label(s[0], s[1], s[2]) == wanted) return s;
  }
  return s;
}

std::vector<std::string> SaxsSource::class_names() {
  return {"spheres", "cylinders"};
}

}  // namespace edgeloop::ml
