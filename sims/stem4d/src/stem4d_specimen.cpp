#include "edgeloop/sims/stem4d_specimen.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <random>
#include <stdexcept>

#include "edgeloop/sims/seeding.hpp"

namespace edgeloop::sims {
namespace {

// Spacings chosen so the three phases' first-order spots sit at clearly different radii
// (2.6, 3.2 and 4.0 bright-field radii) and never overlap the central disc or each other.
constexpr std::array<Phase, 3> kPhases = {{
    {"hex-a", Lattice::Hexagonal, 2.6},
    {"square-b", Lattice::Square, 3.2},
    {"hex-c", Lattice::Hexagonal, 4.0},
}};

// Typical grain diameter in scan-grid units: a 1024-wide field then holds a few dozen grains,
// enough for a map to show structure and few enough that each grain spans many positions.
constexpr double kGrainSize = 192.0;
constexpr std::size_t kMaxGrains = 256;

double symmetry_angle(Lattice lattice) {
  return lattice == Lattice::Hexagonal ? std::numbers::pi / 3.0 : std::numbers::pi / 2.0;
}

}  // namespace

Stem4DSpecimen::Stem4DSpecimen(std::uint64_t seed, double width, double height)
    : width_(width), height_(height), hole_radius_(0.2 * std::min(width, height)) {
  if (!(width >= 1.0) || !(height >= 1.0)) {
    throw std::invalid_argument("Stem4DSpecimen: the scan field must be at least 1 x 1");
  }
  std::mt19937_64 rng(detail::derive_seed({detail::kSpecimenStream, seed}));
  std::uniform_real_distribution<double> unit(0.0, 1.0);

  const double area_grains = std::round(width * height / (kGrainSize * kGrainSize));
  const auto count =
      std::clamp(static_cast<std::size_t>(std::max(area_grains, 0.0)), kPhases.size(), kMaxGrains);
  grains_.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    Grain grain{};
    // The first grain of each phase is seeded outside the hole, so every phase is visible.
    const bool must_show = i < kPhases.size();
    do {
      grain.x = unit(rng) * width;
      grain.y = unit(rng) * height;
    } while (must_show && std::hypot(grain.x, grain.y) < hole_radius_ + 1.0);
    grain.phase = must_show ? static_cast<int>(i)
                            : static_cast<int>(std::uniform_int_distribution<std::size_t>(
                                  0, kPhases.size() - 1)(rng));
    grain.orientation =
        unit(rng) * symmetry_angle(kPhases[static_cast<std::size_t>(grain.phase)].lattice);
    grains_.push_back(grain);
  }
  // One to three undulations across the field in each direction, at random phase.
  undulation_ = {1.0 + 2.0 * unit(rng), 2.0 * std::numbers::pi * unit(rng), 1.0 + 2.0 * unit(rng),
                 2.0 * std::numbers::pi * unit(rng)};
}

std::span<const Phase> Stem4DSpecimen::phases() {
  return kPhases;
}

std::size_t Stem4DSpecimen::nearest_grain(double x, double y) const {
  std::size_t best = 0;
  double best_d2 = std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < grains_.size(); ++i) {
    const double dx = x - grains_[i].x;
    const double dy = y - grains_[i].y;
    const double d2 = dx * dx + dy * dy;
    if (d2 < best_d2) {
      best_d2 = d2;
      best = i;
    }
  }
  return best;
}

double Stem4DSpecimen::depth_into_film(double x, double y) const {
  return std::max(0.0, std::hypot(x, y) - hole_radius_);
}

SpecimenPoint Stem4DSpecimen::at(double x, double y) const {
  SpecimenPoint point;
  point.grain = static_cast<int>(nearest_grain(x, y));
  const double depth = depth_into_film(x, y);
  if (depth <= 0.0) {
    point.vacuum = true;
    point.phase = kVacuumPhase;
    return point;
  }
  const Grain& grain = grains_[static_cast<std::size_t>(point.grain)];
  point.phase = grain.phase;
  point.orientation = grain.orientation;
  // A film thins towards the edge of a hole (as in a real prepared specimen), then levels off
  // with a gentle undulation: thin at the edge, about one mean free path far from it.
  const double wedge = 1.0 - std::exp(-depth / (0.2 * std::hypot(width_, height_)));
  const double two_pi = 2.0 * std::numbers::pi;
  const double undulation = std::sin(two_pi * undulation_[0] * x / width_ + undulation_[1]) *
                            std::sin(two_pi * undulation_[2] * y / height_ + undulation_[3]);
  point.thickness = std::max(0.1, 0.2 + 0.9 * wedge + 0.1 * undulation);
  return point;
}

bool Stem4DSpecimen::is_vacuum(double x, double y) const {
  return depth_into_film(x, y) <= 0.0;
}
int Stem4DSpecimen::phase_at(double x, double y) const {
  return at(x, y).phase;
}
double Stem4DSpecimen::orientation_at(double x, double y) const {
  return at(x, y).orientation;
}
double Stem4DSpecimen::thickness_at(double x, double y) const {
  return at(x, y).thickness;
}

std::array<double, 2> Stem4DSpecimen::grain_centre(std::size_t grain) const {
  const Grain& g = grains_.at(grain);
  return {g.x, g.y};
}

}  // namespace edgeloop::sims
