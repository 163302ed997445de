#include "edgeloop/sims/diffraction_model.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <variant>

#include "edgeloop/sims/random.hpp"

namespace edgeloop::sims {
namespace {

// How the scattered part of the beam divides between Bragg discs and the diffuse halo, and the
// relative strength of second-order reflections: typical of a thin crystalline film.
constexpr double kBraggShare = 0.7;
constexpr double kSecondOrderWeight = 0.25;
// Width of the linear ramp at a disc's rim: the blur of partial coherence, which also keeps
// the disc from aliasing on the pixel grid.
constexpr double kEdgeWidthPx = 2.0;

template <class T>
void add_saturating(T& pixel, std::uint64_t n) {
  constexpr std::uint64_t kMax = std::numeric_limits<T>::max();
  const std::uint64_t sum = std::min<std::uint64_t>(std::uint64_t{pixel} + n, kMax);
  pixel = static_cast<T>(sum);
}

}  // namespace

DiffractionModel::DiffractionModel(Stem4DSpecimen specimen, DetectorSettings detector,
                                   ProbeOptics optics, std::uint64_t seed)
    : PatternModel(std::move(specimen), detector, optics, seed),
      edge_width_(kEdgeWidthPx),
      // The halo reaches the detector's edge at 3 sigma; the PSF widens it in quadrature.
      halo_sigma_(std::hypot(size() / 6.0, detector.psf_sigma_px)),
      halo_(gaussian_halo(halo_sigma_)),
      psf_(detector.psf_sigma_px),
      rate_(pixel_count()) {}

DiffractionModel::DiffractionModel(Stem4DSpecimen specimen, DetectorSettings detector,
                                   std::uint64_t seed)
    : DiffractionModel(std::move(specimen), detector, ProbeOptics{}, seed) {}

DiffractionModel::Pattern DiffractionModel::pattern_at(double x, double y, double electrons) const {
  const double c = centre()[0];
  Pattern pattern;
  const SpecimenPoint point = specimen().at(x, y);
  if (point.vacuum) {
    pattern.discs[0] = {c, c, electrons};
    pattern.disc_count = 1;
    return pattern;
  }
  const double scattered = 1.0 - std::exp(-point.thickness);
  pattern.discs[0] = {c, c, electrons * (1.0 - scattered)};
  pattern.disc_count = 1;

  const double g = spot_radius(point.phase);
  const double reach = bright_field_radius() + 0.5 * edge_width_;
  const Lattice lattice = Stem4DSpecimen::phases()[static_cast<std::size_t>(point.phase)].lattice;
  double total_weight = 0.0;
  for (const Reflection& r : reflections(lattice)) {
    const double angle = point.orientation + r.angle;
    const double gx = g * r.length * std::cos(angle);
    const double gy = g * r.length * std::sin(angle);
    if (std::abs(gx) + reach > c || std::abs(gy) + reach > c) continue;
    const double weight = r.order == 1 ? 1.0 : kSecondOrderWeight;
    pattern.discs[pattern.disc_count++] = {c + gx, c + gy, weight};
    total_weight += weight;
  }
  const double bragg = electrons * scattered * kBraggShare;
  pattern.diffuse_electrons = electrons * scattered * (1.0 - kBraggShare);
  if (total_weight > 0.0) {
    for (std::size_t k = 1; k < pattern.disc_count; ++k) {
      pattern.discs[k].electrons *= bragg / total_weight;
    }
  } else {
    pattern.diffuse_electrons += bragg;  // a detector too small to show any reflection
  }
  return pattern;
}

void DiffractionModel::add_discs(const Pattern& pattern, std::span<double> out) const {
  const std::uint32_t n = size();
  const double inner = bright_field_radius() - 0.5 * edge_width_;
  const double outer = bright_field_radius() + 0.5 * edge_width_;
  const auto profile = [&](double d2) {
    if (d2 <= inner * inner) return 1.0;
    if (d2 >= outer * outer) return 0.0;
    return (outer - std::sqrt(d2)) / edge_width_;
  };
  const auto clamp_index = [&](double v) {
    return static_cast<std::uint32_t>(std::clamp(v, 0.0, static_cast<double>(n)));
  };
  for (std::size_t k = 0; k < pattern.disc_count; ++k) {
    const Disc& disc = pattern.discs[k];
    if (disc.electrons <= 0.0) continue;
    const std::uint32_t i0 = clamp_index(std::floor(disc.cy - outer));
    const std::uint32_t i1 = clamp_index(std::ceil(disc.cy + outer));
    const std::uint32_t j0 = clamp_index(std::floor(disc.cx - outer));
    const std::uint32_t j1 = clamp_index(std::ceil(disc.cx + outer));
    const auto d2_at = [&](std::uint32_t i, std::uint32_t j) {
      const double dx = j + 0.5 - disc.cx;
      const double dy = i + 0.5 - disc.cy;
      return dx * dx + dy * dy;
    };
    double sum = 0.0;
    for (std::uint32_t i = i0; i < i1; ++i) {
      for (std::uint32_t j = j0; j < j1; ++j) sum += profile(d2_at(i, j));
    }
    if (sum <= 0.0) continue;
    const double scale = disc.electrons / sum;
    for (std::uint32_t i = i0; i < i1; ++i) {
      for (std::uint32_t j = j0; j < j1; ++j) {
        const double p = profile(d2_at(i, j));
        if (p > 0.0) out[static_cast<std::size_t>(i) * n + j] += scale * p;
      }
    }
  }
}

void DiffractionModel::render_counts(double x, double y, const ProbeState& probe, Counts out) {
  std::visit([&](auto pixels) { render_typed(x, y, probe.electrons, probe.visit, pixels); }, out);
}

template <class T>
void DiffractionModel::render_typed(double x, double y, double electrons, std::uint32_t visit,
                                    std::span<T> out) {
  const Pattern pattern = pattern_at(x, y, electrons);
  std::fill(rate_.begin(), rate_.end(), 0.0);
  add_discs(pattern, rate_);
  psf_.apply(rate_, size());

  Xoshiro256 rng(noise_seed(x, y, visit));
  for (std::size_t p = 0; p < out.size(); ++p) {
    const double rate = rate_[p];
    out[p] = 0;
    if (rate > 0.0) add_saturating(out[p], poisson(rng, rate));
  }
  // The halo and the dark counts spread thinly over every pixel. Rather than draw a Poisson
  // number for each pixel, draw their total and drop that many electrons on pixels chosen by
  // the spatial distribution: a Poisson process split this way gives exactly the same
  // independent per-pixel Poisson counts, at a cost set by the electrons, not the pixels.
  const std::uint32_t n = size();
  if (pattern.diffuse_electrons > 0.0) {
    const std::uint64_t count = poisson(rng, pattern.diffuse_electrons);
    const double c = centre()[0];
    // Redrawing a position that misses the detector gives exactly the cut-off Gaussian: its two
    // coordinates are independent, so cutting the pair is cutting each. A Box-Muller pair gives
    // both coordinates for one logarithm.
    const auto on_detector = [&]() -> std::size_t {
      for (;;) {
        const auto [dx, dy] = standard_normal_pair(rng);
        const double column = c + halo_sigma_ * dx;
        const double row = c + halo_sigma_ * dy;
        if (column >= 0.0 && column < n && row >= 0.0 && row < n) {
          return static_cast<std::size_t>(row) * n + static_cast<std::size_t>(column);
        }
      }
    };
    for (std::uint64_t k = 0; k < count; ++k) add_saturating(out[on_detector()], 1);
  }
  const double dark = detector().dark_counts_per_pixel * static_cast<double>(out.size());
  if (dark > 0.0) {
    const std::uint64_t count = poisson(rng, dark);
    const auto pixels = static_cast<std::uint32_t>(out.size());
    for (std::uint64_t k = 0; k < count; ++k) add_saturating(out[uniform_below(rng, pixels)], 1);
  }
}

void DiffractionModel::expected_counts(double x, double y, const ProbeState& probe,
                                       std::span<double> out) const {
  const Pattern pattern = pattern_at(x, y, probe.electrons);
  std::fill(out.begin(), out.end(), 0.0);
  add_discs(pattern, out);
  // A PSF of its own: apply() reuses scratch, and this call must not touch the model's.
  GaussianPsf(detector().psf_sigma_px).apply(out, size());
  for (std::size_t p = 0; p < out.size(); ++p) {
    out[p] += detector().dark_counts_per_pixel + pattern.diffuse_electrons * halo_[p];
  }
}

}  // namespace edgeloop::sims
