#include "edgeloop/sims/diffraction_model.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <numbers>
#include <random>
#include <stdexcept>
#include <string>

#include "edgeloop/sims/seeding.hpp"

namespace edgeloop::sims {
namespace {

// How the scattered part of the beam divides between Bragg discs and the diffuse halo, and the
// relative strength of second-order reflections: typical of a thin crystalline film.
constexpr double kBraggShare = 0.7;
constexpr double kSecondOrderWeight = 0.25;
// Width of the linear ramp at a disc's rim: the blur of partial coherence and the detector's
// point spread, which also keeps the disc from aliasing on the pixel grid.
constexpr double kEdgeWidthPx = 2.0;

struct Reflection {
  double angle;   // radians from the detector's +x (column) axis towards +y (rows)
  double length;  // in units of the phase's shortest reciprocal vector
  double weight;
};

// The first two shells of the reciprocal lattice, for a grain rotated by `orientation`; a
// square lattice fills only the first 8 entries.
struct Reflections {
  std::array<Reflection, 12> items{};
  std::size_t count = 0;
  const Reflection* begin() const { return items.data(); }
  const Reflection* end() const { return items.data() + count; }
};
Reflections reflections(Lattice lattice, double orientation) {
  Reflections out;
  const bool hex = lattice == Lattice::Hexagonal;
  const int fold = hex ? 6 : 4;
  const double step = 2.0 * std::numbers::pi / fold;
  const double second_length = hex ? std::numbers::sqrt3 : std::numbers::sqrt2;
  for (int k = 0; k < fold; ++k) {
    out.items[out.count++] = {orientation + k * step, 1.0, 1.0};
    out.items[out.count++] = {orientation + (k + 0.5) * step, second_length, kSecondOrderWeight};
  }
  return out;
}

template <class T>
void add_saturating(T& pixel, std::uint64_t n) {
  constexpr std::uint64_t kMax = std::numeric_limits<T>::max();
  const std::uint64_t sum = std::min<std::uint64_t>(std::uint64_t{pixel} + n, kMax);
  pixel = static_cast<T>(sum);
}

}  // namespace

DiffractionModel::DiffractionModel(Stem4DSpecimen specimen, DetectorSettings settings,
                                   std::uint64_t seed)
    : specimen_(std::move(specimen)),
      settings_(settings),
      seed_(seed),
      size_(settings.size),
      centre_(0.5 * settings.size),
      bf_radius_(settings.size / 12.0),
      edge_width_(kEdgeWidthPx),
      halo_sigma_(settings.size / 6.0) {
  if (size_ < 16 || size_ > 4096) {
    throw std::invalid_argument("DiffractionModel: detector size " + std::to_string(size_) +
                                " is outside 16..4096");
  }
  if (!(settings.electrons_per_position >= 0.0) || !(settings.dark_counts_per_pixel >= 0.0)) {
    throw std::invalid_argument("DiffractionModel: dose and dark counts must be >= 0");
  }
  // The halo is a Gaussian wide enough to reach the detector's edge (3 sigma), cut at the edge
  // and renormalised, so no electron is lost off it. Each pixel's share is the Gaussian's
  // exact integral over the pixel, which is what sampling positions in render() produces.
  std::vector<double> axis(size_);
  double axis_mass = 0.0;
  const auto cdf = [&](double u) {
    return 0.5 * std::erfc(-(u - centre_) / (halo_sigma_ * std::numbers::sqrt2));
  };
  for (std::uint32_t k = 0; k < size_; ++k) {
    axis[k] = cdf(k + 1.0) - cdf(static_cast<double>(k));
    axis_mass += axis[k];
  }
  halo_.resize(pixel_count());
  for (std::uint32_t i = 0; i < size_; ++i) {
    for (std::uint32_t j = 0; j < size_; ++j) {
      halo_[static_cast<std::size_t>(i) * size_ + j] = axis[i] * axis[j] / (axis_mass * axis_mass);
    }
  }
  rate_.resize(pixel_count());
}

double DiffractionModel::spot_radius(int phase) const {
  const auto phases = Stem4DSpecimen::phases();
  if (phase < 0 || static_cast<std::size_t>(phase) >= phases.size()) {
    throw std::out_of_range("DiffractionModel::spot_radius: no phase " + std::to_string(phase));
  }
  return phases[static_cast<std::size_t>(phase)].g_over_bf * bf_radius_;
}

DiffractionModel::Pattern DiffractionModel::pattern_at(double x, double y,
                                                       double beam_fraction) const {
  if (!std::isfinite(x) || !std::isfinite(y) || !(beam_fraction >= 0.0)) {
    throw std::invalid_argument("DiffractionModel: probe position and beam must be finite");
  }
  const double dose = settings_.electrons_per_position * beam_fraction;
  Pattern pattern;
  const SpecimenPoint point = specimen_.at(x, y);
  if (point.vacuum) {
    pattern.discs[0] = {centre_, centre_, dose};
    pattern.disc_count = 1;
    return pattern;
  }
  const double scattered = 1.0 - std::exp(-point.thickness);
  pattern.discs[0] = {centre_, centre_, dose * (1.0 - scattered)};
  pattern.disc_count = 1;

  const double g = spot_radius(point.phase);
  const double reach = bf_radius_ + 0.5 * edge_width_;
  const Lattice lattice = Stem4DSpecimen::phases()[static_cast<std::size_t>(point.phase)].lattice;
  double total_weight = 0.0;
  for (const Reflection& r : reflections(lattice, point.orientation)) {
    const double gx = g * r.length * std::cos(r.angle);
    const double gy = g * r.length * std::sin(r.angle);
    if (std::abs(gx) + reach > centre_ || std::abs(gy) + reach > centre_) continue;
    pattern.discs[pattern.disc_count++] = {centre_ + gx, centre_ + gy, r.weight};
    total_weight += r.weight;
  }
  const double bragg = dose * scattered * kBraggShare;
  pattern.diffuse_electrons = dose * scattered * (1.0 - kBraggShare);
  if (total_weight > 0.0) {
    for (std::size_t k = 1; k < pattern.disc_count; ++k) {
      pattern.discs[k].electrons *= bragg / total_weight;
    }
  } else {
    pattern.diffuse_electrons += bragg;  // a detector too small to show any reflection
  }
  return pattern;
}

template <class F>
void DiffractionModel::add_discs(const Pattern& pattern, std::span<F> out) const {
  const double inner = bf_radius_ - 0.5 * edge_width_;
  const double outer = bf_radius_ + 0.5 * edge_width_;
  const auto profile = [&](double d2) {
    if (d2 <= inner * inner) return 1.0;
    if (d2 >= outer * outer) return 0.0;
    return (outer - std::sqrt(d2)) / edge_width_;
  };
  const auto clamp_index = [&](double v) {
    return static_cast<std::uint32_t>(std::clamp(v, 0.0, static_cast<double>(size_)));
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
        if (p > 0.0) out[static_cast<std::size_t>(i) * size_ + j] += static_cast<F>(scale * p);
      }
    }
  }
}

std::uint64_t DiffractionModel::noise_seed(double x, double y) const {
  return detail::derive_seed({detail::kNoiseStream, seed_,
                              std::bit_cast<std::uint64_t>(std::llround(x)),
                              std::bit_cast<std::uint64_t>(std::llround(y))});
}

template <class T>
void DiffractionModel::render(double x, double y, std::span<T> out, double beam_fraction) {
  if (out.size() != pixel_count()) {
    throw std::invalid_argument("DiffractionModel::render: buffer of " +
                                std::to_string(out.size()) + " pixels, detector has " +
                                std::to_string(pixel_count()));
  }
  const Pattern pattern = pattern_at(x, y, beam_fraction);
  std::fill(rate_.begin(), rate_.end(), 0.0F);
  add_discs(pattern, std::span<float>(rate_));

  std::mt19937_64 rng(noise_seed(x, y));
  using Poisson = std::poisson_distribution<std::uint64_t>;
  Poisson poisson;
  for (std::size_t p = 0; p < out.size(); ++p) {
    const float rate = rate_[p];
    out[p] = 0;
    if (rate > 0.0F)
      add_saturating(out[p], poisson(rng, Poisson::param_type(static_cast<double>(rate))));
  }
  // The halo and the dark counts spread thinly over every pixel. Rather than draw a Poisson
  // number for each pixel, draw their total and drop that many electrons on pixels chosen by
  // the spatial distribution: a Poisson process split this way gives exactly the same
  // independent per-pixel Poisson counts, at a cost set by the electrons, not the pixels.
  if (pattern.diffuse_electrons > 0.0) {
    const std::uint64_t n = poisson(rng, Poisson::param_type(pattern.diffuse_electrons));
    std::normal_distribution<double> spread(centre_, halo_sigma_);
    // Redrawing a coordinate that misses the detector gives exactly the cut-off Gaussian.
    const auto on_detector = [&] {
      for (;;) {
        const double u = spread(rng);
        if (u >= 0.0 && u < size_) return static_cast<std::size_t>(u);
      }
    };
    for (std::uint64_t k = 0; k < n; ++k) {
      const std::size_t column = on_detector();
      const std::size_t row = on_detector();
      add_saturating(out[row * size_ + column], 1);
    }
  }
  const double dark = settings_.dark_counts_per_pixel * static_cast<double>(out.size());
  if (dark > 0.0) {
    const std::uint64_t n = poisson(rng, Poisson::param_type(dark));
    std::uniform_int_distribution<std::size_t> anywhere(0, out.size() - 1);
    for (std::uint64_t k = 0; k < n; ++k) add_saturating(out[anywhere(rng)], 1);
  }
}

void DiffractionModel::expected(double x, double y, std::span<double> out,
                                double beam_fraction) const {
  if (out.size() != pixel_count()) {
    throw std::invalid_argument("DiffractionModel::expected: buffer of wrong size");
  }
  const Pattern pattern = pattern_at(x, y, beam_fraction);
  for (std::size_t p = 0; p < out.size(); ++p) {
    out[p] = settings_.dark_counts_per_pixel + pattern.diffuse_electrons * halo_[p];
  }
  add_discs(pattern, out);
}

template void DiffractionModel::render<std::uint8_t>(double, double, std::span<std::uint8_t>,
                                                     double);
template void DiffractionModel::render<std::uint16_t>(double, double, std::span<std::uint16_t>,
                                                      double);
template void DiffractionModel::render<std::uint32_t>(double, double, std::span<std::uint32_t>,
                                                      double);

}  // namespace edgeloop::sims
