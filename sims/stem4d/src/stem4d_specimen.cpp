#include "edgeloop/sims/stem4d_specimen.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>

#include "edgeloop/sims/random.hpp"
#include "edgeloop/sims/seeding.hpp"

namespace edgeloop::sims {
namespace {

constexpr double kTwoPi = 2.0 * std::numbers::pi;

// Spacings (d = 0.385, 0.3125 and 0.25 nm) chosen so the three phases' first-order discs sit at
// clearly different radii and, at a nanobeam convergence angle (about 2 mrad at 300 kV), clear
// of the central disc and of each other. The potentials are effective first-order Fourier
// coefficients: a film of one thickness unit (about 20 nm) shifts the phase by about half a
// radian, a thin phase object; scattering factors fall with g, so hex-c scatters least.
constexpr std::array<Phase, 3> kPhases = {{
    {"hex-a", Lattice::Hexagonal, 2.6, 2.0},
    {"square-b", Lattice::Square, 3.2, 2.5},
    {"hex-c", Lattice::Hexagonal, 4.0, 1.5},
}};
constexpr auto kPhaseCount = static_cast<std::uint32_t>(kPhases.size());

// Typical grain diameter in scan-grid units: a 1024-wide field then holds a few dozen grains,
// enough for a map to show structure and few enough that each grain spans many positions.
constexpr double kGrainSize = 192.0;
constexpr std::size_t kMaxGrains = 256;

// Defects are kept this far (scan units) from the field's edges and the hole, so the film
// around the field's border stays as it was, and each defect is seen whole.
constexpr double kDefectMargin = 4.0;
// Area per void and per inclusion: a 1024 x 1024 field holds four voids and three inclusions.
constexpr double kAreaPerVoid = 512.0 * 512.0;
constexpr double kAreaPerInclusion = 4.0 / 3.0 * kAreaPerVoid;
constexpr int kPlacementTries = 200;
// Half-width of the band along a twin boundary that defect_at() reports.
constexpr double kTwinBand = 1.5;
// Poisson's ratio of the isotropic elastic film the dislocations strain.
constexpr double kPoisson = 1.0 / 3.0;

// Coincidence-site misorientations: a symmetric tilt boundary at these angles is a coherent
// mirror twin, Sigma 7 for a hexagonal lattice and Sigma 5 for a square one.
double twin_misorientation(Lattice lattice) {
  return lattice == Lattice::Hexagonal ? std::acos(13.0 / 14.0) : std::acos(4.0 / 5.0);
}

// 1 up to 60% of the range, then a smooth step down to 0 at the range: the strain field of a
// dipole decays as 1/r^2, so cutting it off this way leaves no visible seam.
double taper(double fraction) {
  if (fraction <= 0.6) return 1.0;
  if (fraction >= 1.0) return 0.0;
  const double t = (fraction - 0.6) / 0.4;
  return 1.0 - t * t * (3.0 - 2.0 * t);
}

struct DipoleField {
  std::array<double, 2> displacement{};
  double rotation = 0.0;
};

// Isotropic-elastic field of two edge dislocations, Burgers vector +b at core 1 and -b at core
// 2 (Hirth and Lothe), in the frame of b. The angular terms of the two cores combine into the
// angle the cores subtend, whose branch cut runs only between them: the lattice jumps there by
// exactly one Burgers vector, a lattice translation, so the crystal stays seamless. The cores
// are softened over one Burgers vector to keep the field finite.
DipoleField dipole_field(const Defect& dipole, double x, double y) {
  DipoleField field;
  const double fraction = std::hypot(x - dipole.x, y - dipole.y) / dipole.range;
  const double weight = taper(fraction);
  if (weight <= 0.0) return field;
  const double bx = std::cos(dipole.angle);
  const double by = std::sin(dipole.angle);
  // Core 1 lies to the left of b (along n = b turned by +90 degrees), core 2 to the right.
  const double half = 0.5 * dipole.separation;
  const auto frame = [&](double sign) {
    const double vx = x - (dipole.x - sign * half * by);
    const double vy = y - (dipole.y + sign * half * bx);
    return std::array<double, 2>{vx * bx + vy * by, -vx * by + vy * bx};
  };
  const auto [x1, y1] = frame(1.0);
  const auto [x2, y2] = frame(-1.0);
  const double core2 = dipole.burgers * dipole.burgers;
  const double r1 = x1 * x1 + y1 * y1 + core2;
  const double r2 = x2 * x2 + y2 * y2 + core2;
  const double subtended = std::atan2(y1 * x2 - x1 * y2, x1 * x2 + y1 * y2);
  const double scale = dipole.burgers / kTwoPi;
  const double along =
      scale * (subtended + (x1 * y1 / r1 - x2 * y2 / r2) / (2.0 * (1.0 - kPoisson)));
  const double across =
      -scale * ((1.0 - 2.0 * kPoisson) / (4.0 * (1.0 - kPoisson)) * std::log(r1 / r2) +
                ((x1 * x1 - y1 * y1) / r1 - (x2 * x2 - y2 * y2) / r2) / (4.0 * (1.0 - kPoisson)));
  field.displacement = {weight * (along * bx - across * by), weight * (along * by + across * bx)};
  // The lattice rotation (curl of the displacement over two) of an edge dislocation is
  // -b x / (2 pi r^2) in its frame.
  field.rotation = -weight * scale * (x1 / r1 - x2 / r2);
  return field;
}

}  // namespace

Stem4DSpecimen::Stem4DSpecimen(std::uint64_t seed, double width, double height, double nm_per_unit)
    : width_(width),
      height_(height),
      nm_per_unit_(nm_per_unit),
      hole_radius_(0.2 * std::min(width, height)) {
  if (!(width >= 1.0) || !(height >= 1.0) || !std::isfinite(width) || !std::isfinite(height)) {
    throw std::invalid_argument("Stem4DSpecimen: the scan field must be at least 1 x 1");
  }
  if (!(nm_per_unit > 0.0) || !std::isfinite(nm_per_unit)) {
    throw std::invalid_argument("Stem4DSpecimen: nm_per_unit must be finite and > 0");
  }
  Xoshiro256 rng(detail::derive_seed({detail::kSpecimenStream, seed}));

  const double area_grains = std::round(width * height / (kGrainSize * kGrainSize));
  const auto count =
      std::clamp(static_cast<std::size_t>(std::max(area_grains, 0.0)), kPhases.size(), kMaxGrains);
  grains_.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    Grain grain{};
    // The first grain of each phase is seeded outside the hole, so every phase is visible.
    const bool must_show = i < kPhases.size();
    do {
      grain.x = uniform01(rng) * width;
      grain.y = uniform01(rng) * height;
    } while (must_show && std::hypot(grain.x, grain.y) < hole_radius_ + 1.0);
    grain.phase =
        must_show ? static_cast<int>(i) : static_cast<int>(uniform_below(rng, kPhaseCount));
    grain.orientation =
        uniform01(rng) * symmetry_angle(kPhases[static_cast<std::size_t>(grain.phase)].lattice);
    grains_.push_back(grain);
  }
  // One to three undulations across the field in each direction, at random phase.
  undulation_ = {1.0 + 2.0 * uniform01(rng), 2.0 * std::numbers::pi * uniform01(rng),
                 1.0 + 2.0 * uniform01(rng), 2.0 * std::numbers::pi * uniform01(rng)};
  all_grains_.resize(grains_.size());
  for (std::size_t i = 0; i < grains_.size(); ++i) all_grains_[i] = static_cast<std::uint32_t>(i);
  place_defects(seed);
  all_defects_.resize(defects_.size());
  for (std::size_t i = 0; i < defects_.size(); ++i) all_defects_[i] = static_cast<std::uint32_t>(i);
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

template <class Grains>
std::size_t Stem4DSpecimen::nearest_of(double x, double y, const Grains& candidates) const {
  // Candidates are in ascending order, so ties go to the lowest index, as in nearest_grain().
  std::size_t best = candidates.front();
  double best_d2 = std::numeric_limits<double>::infinity();
  for (const std::uint32_t i : candidates) {
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

double Stem4DSpecimen::film_thickness(double x, double y, double depth) const {
  // A film thins towards the edge of a hole (as in a real prepared specimen), then levels off
  // with a gentle undulation: thin at the edge, about one mean free path far from it.
  const double wedge = 1.0 - std::exp(-depth / (0.2 * std::hypot(width_, height_)));
  const double undulation = std::sin(kTwoPi * undulation_[0] * x / width_ + undulation_[1]) *
                            std::sin(kTwoPi * undulation_[2] * y / height_ + undulation_[3]);
  return std::max(0.1, 0.2 + 0.9 * wedge + 0.1 * undulation);
}

double Stem4DSpecimen::inner_radius(std::size_t grain) const {
  double nearest = std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < grains_.size(); ++i) {
    if (i == grain) continue;
    nearest = std::min(
        nearest, std::hypot(grains_[i].x - grains_[grain].x, grains_[i].y - grains_[grain].y));
  }
  // A lone grain (never the case: there are at least three) would fill the field.
  return std::isfinite(nearest) ? 0.5 * nearest : std::max(width_, height_);
}

void Stem4DSpecimen::place_defects(std::uint64_t seed) {
  // A stream of its own, so adding defects left the grains and thickness of every seed as
  // they were.
  Xoshiro256 rng(detail::derive_seed({detail::kSpecimenStream, seed, 1}));
  const double area = width_ * height_;
  const double largest = 0.1 * std::min(width_, height_);

  // Voids first, then inclusions, then the twin, then the dipole: classify() relies on this
  // order (an inclusion replaces the crystal before the twin and the strain field look at it).
  const auto place_disc = [&](DefectKind kind, double min_radius, double max_radius) {
    const double radius =
        std::max(1.0, std::min(largest, min_radius + (max_radius - min_radius) * uniform01(rng)));
    const double reach = radius + kDefectMargin;
    if (2.0 * reach >= width_ || 2.0 * reach >= height_) return;
    for (int attempt = 0; attempt < kPlacementTries; ++attempt) {
      const double x = reach + (width_ - 2.0 * reach) * uniform01(rng);
      const double y = reach + (height_ - 2.0 * reach) * uniform01(rng);
      if (depth_into_film(x, y) <= reach) continue;
      const bool overlaps = std::any_of(defects_.begin(), defects_.end(), [&](const Defect& d) {
        return std::hypot(d.x - x, d.y - y) < d.radius + radius + 2.0;
      });
      if (overlaps) continue;
      Defect defect;
      defect.kind = kind;
      defect.x = x;
      defect.y = y;
      defect.radius = radius;
      defect.grain = static_cast<int>(nearest_grain(x, y));
      const Grain& host = grains_[static_cast<std::size_t>(defect.grain)];
      defect.phase = host.phase;
      defect.orientation = host.orientation;
      if (kind == DefectKind::Void) {
        defect.depth = 0.5 + 0.4 * uniform01(rng);
      } else {
        // A precipitate of one of the other phases, in an orientation of its own.
        const auto offset = 1 + static_cast<int>(uniform_below(rng, kPhaseCount - 1));
        defect.phase = (host.phase + offset) % static_cast<int>(kPhases.size());
        defect.orientation =
            uniform01(rng) *
            symmetry_angle(kPhases[static_cast<std::size_t>(defect.phase)].lattice);
      }
      defects_.push_back(defect);
      return;
    }
  };
  const auto count = [&](double per) {
    return std::clamp(static_cast<int>(std::lround(area / per)), 1, 12);
  };
  for (int i = count(kAreaPerVoid); i > 0; --i) place_disc(DefectKind::Void, 6.0, 16.0);
  for (int i = count(kAreaPerInclusion); i > 0; --i) place_disc(DefectKind::Inclusion, 4.0, 10.0);

  // The extended defects go into the two roomiest grains whose seed point is in the film (the
  // grains are random already), the twin into the roomier: each then spans many positions and
  // keeps clear of the field's edges and the hole.
  std::vector<std::size_t> hosts;
  for (std::size_t g = 0; g < grains_.size(); ++g) {
    if (depth_into_film(grains_[g].x, grains_[g].y) > kDefectMargin) hosts.push_back(g);
  }
  std::vector<double> room(grains_.size());
  for (const std::size_t g : hosts) {
    // Room around the seed inside its grain, the field and the film.
    const Grain& grain = grains_[g];
    room[g] = std::min({inner_radius(g), grain.x, width_ - grain.x, grain.y, height_ - grain.y,
                        depth_into_film(grain.x, grain.y)});
  }
  std::stable_sort(hosts.begin(), hosts.end(),
                   [&](std::size_t a, std::size_t b) { return room[a] > room[b]; });
  if (hosts.empty()) return;

  // The twin boundary crosses its grain at 0.4 of the inner radius from the seed point, which
  // stays on the untwinned side; the boundary's direction bisects the misorientation, which
  // makes it a mirror line of the bicrystal.
  {
    const std::size_t g = hosts[0];
    const Grain& grain = grains_[g];
    const Lattice lattice = kPhases[static_cast<std::size_t>(grain.phase)].lattice;
    const double misorientation = twin_misorientation(lattice);
    Defect twin;
    twin.kind = DefectKind::TwinBoundary;
    twin.angle = grain.orientation + 0.5 * misorientation;
    const double offset = 0.4 * room[g];
    twin.x = grain.x - offset * std::sin(twin.angle);
    twin.y = grain.y + offset * std::cos(twin.angle);
    twin.radius = kTwinBand;
    twin.grain = static_cast<int>(g);
    twin.phase = grain.phase;
    twin.orientation = wrap_orientation(lattice, grain.orientation + misorientation);
    defects_.push_back(twin);
  }

  // The dipole sits near its grain's seed, its strain field confined to a disc inside the
  // grain, so neither the cut-off nor a grain boundary ever meets it.
  if (hosts.size() >= 2) {
    const std::size_t g = hosts[1];
    const Grain& grain = grains_[g];
    const Phase& phase = kPhases[static_cast<std::size_t>(grain.phase)];
    const double space = room[g];
    const double direction = kTwoPi * uniform01(rng);
    Defect dipole;
    dipole.kind = DefectKind::DislocationDipole;
    dipole.x = grain.x + 0.3 * space * std::cos(direction);
    dipole.y = grain.y + 0.3 * space * std::sin(direction);
    dipole.separation = std::clamp(0.3 * space, 2.0, 16.0);
    dipole.range = std::min(4.0 * dipole.separation, 0.7 * space);
    dipole.radius = dipole.separation;
    // The Burgers vector is the lattice translation a1, converted from nm to scan units.
    const auto a1 = real_basis(phase.lattice, grain.orientation)[0];
    dipole.angle = std::atan2(a1[1], a1[0]);
    dipole.burgers = std::hypot(a1[0], a1[1]) / phase.g_per_nm / nm_per_unit_;
    dipole.grain = static_cast<int>(g);
    dipole.phase = grain.phase;
    dipole.orientation = grain.orientation;
    if (dipole.range > dipole.separation) defects_.push_back(dipole);
  }
}

SpecimenPoint Stem4DSpecimen::classify(double x, double y, std::size_t grain,
                                       std::span<const std::uint32_t> defects) const {
  SpecimenPoint point;
  point.grain = static_cast<int>(grain);
  const double depth = depth_into_film(x, y);
  if (depth <= 0.0) {
    point.vacuum = true;
    point.phase = kVacuumPhase;
    return point;
  }
  const Grain& g = grains_[grain];
  point.phase = g.phase;
  point.lattice = {g.orientation, {g.x, g.y}};
  point.thickness = film_thickness(x, y, depth);
  bool included = false;
  double rotation = 0.0;
  for (const std::uint32_t index : defects) {
    const Defect& d = defects_[index];
    bool here = false;
    switch (d.kind) {
      case DefectKind::Void: {
        const double r = std::hypot(x - d.x, y - d.y) / d.radius;
        if (r < 1.0) {
          // A spherical cavity: the missing thickness follows the sphere's chord.
          point.thickness *= 1.0 - d.depth * std::sqrt(1.0 - r * r);
          here = true;
        }
        break;
      }
      case DefectKind::Inclusion:
        if (std::hypot(x - d.x, y - d.y) < d.radius) {
          point.phase = d.phase;
          point.lattice = {d.orientation, {d.x, d.y}};
          included = true;
          here = true;
        }
        break;
      case DefectKind::TwinBoundary: {
        if (point.grain != d.grain || included) break;
        const double nx = -std::sin(d.angle);
        const double ny = std::cos(d.angle);
        const double side = (x - d.x) * nx + (y - d.y) * ny;
        if (side > 0.0) {
          // The twinned lattice is the mirror image of the grain's across the boundary, so
          // its origin is the mirror image of the grain's seed point.
          const double seed_side = (g.x - d.x) * nx + (g.y - d.y) * ny;
          point.lattice = {d.orientation, {g.x - 2.0 * seed_side * nx, g.y - 2.0 * seed_side * ny}};
        }
        here = std::abs(side) <= d.radius;
        break;
      }
      case DefectKind::DislocationDipole: {
        if (point.grain != d.grain || included) break;
        const DipoleField field = dipole_field(d, x, y);
        point.displacement[0] += field.displacement[0];
        point.displacement[1] += field.displacement[1];
        rotation += field.rotation;
        here = std::hypot(x - d.x, y - d.y) < d.radius;
        break;
      }
    }
    if (here && point.defect == kNoDefect) point.defect = static_cast<int>(index);
  }
  const Lattice lattice = kPhases[static_cast<std::size_t>(point.phase)].lattice;
  point.orientation = wrap_orientation(lattice, point.lattice.orientation + rotation);
  return point;
}

SpecimenPoint Stem4DSpecimen::at(double x, double y) const {
  return classify(x, y, nearest_grain(x, y), all_defects_);
}

SpecimenPoint Stem4DSpecimen::at(double x, double y, const Neighbourhood& near) const {
  return classify(x, y, nearest_of(x, y, near.grains), near.defects);
}

Stem4DSpecimen::Neighbourhood Stem4DSpecimen::neighbourhood(double x, double y,
                                                            double radius) const {
  return neighbourhood_among(x, y, radius, all_grains_, all_defects_);
}

Stem4DSpecimen::Neighbourhood Stem4DSpecimen::neighbourhood(double x, double y, double radius,
                                                            const Neighbourhood& within) const {
  return neighbourhood_among(x, y, radius, within.grains, within.defects);
}

Stem4DSpecimen::Neighbourhood Stem4DSpecimen::neighbourhood_among(
    double x, double y, double radius, std::span<const std::uint32_t> grains,
    std::span<const std::uint32_t> defects) const {
  if (!std::isfinite(x) || !std::isfinite(y) || !(radius >= 0.0) || !std::isfinite(radius)) {
    throw std::invalid_argument(
        "Stem4DSpecimen::neighbourhood: position and radius must be finite");
  }
  Neighbourhood near;
  near.x = x;
  near.y = y;
  near.radius = radius;
  // A point q of the disc is in cell i only if |q - s_i| <= |q - s_0| for the cell s_0 of the
  // centre, and the triangle inequality turns that into |c - s_i| <= |c - s_0| + 2 radius.
  double closest = std::numeric_limits<double>::infinity();
  for (const std::uint32_t i : grains) {
    closest = std::min(closest, std::hypot(x - grains_[i].x, y - grains_[i].y));
  }
  const double reach = closest + 2.0 * radius + 1e-9 * (1.0 + closest);
  for (const std::uint32_t i : grains) {
    if (std::hypot(x - grains_[i].x, y - grains_[i].y) <= reach) near.grains.push_back(i);
  }
  const double from_origin = std::hypot(x, y);
  near.hole_edge = std::abs(from_origin - hole_radius_) <= radius;
  const bool in_hole = !near.hole_edge && from_origin <= hole_radius_;

  const auto is_candidate = [&](int grain) {
    return std::binary_search(near.grains.begin(), near.grains.end(),
                              static_cast<std::uint32_t>(grain));
  };
  bool disturbed = false;
  for (const std::uint32_t i : defects) {
    const Defect& d = defects_[i];
    const double centre = std::hypot(x - d.x, y - d.y);
    bool include = false;
    switch (d.kind) {
      case DefectKind::Void:
      case DefectKind::Inclusion:
        include = centre <= d.radius + radius;
        disturbed = disturbed || include;
        break;
      case DefectKind::TwinBoundary: {
        // Needed wherever its grain may be, to tell the twinned side; it breaks uniformity
        // only where the boundary crosses the disc.
        include = is_candidate(d.grain);
        const double side = -(x - d.x) * std::sin(d.angle) + (y - d.y) * std::cos(d.angle);
        disturbed = disturbed || (include && std::abs(side) <= radius + d.radius);
        break;
      }
      case DefectKind::DislocationDipole:
        include = is_candidate(d.grain) && centre <= std::max(d.range, d.radius) + radius;
        disturbed = disturbed || include;
        break;
    }
    if (include) near.defects.push_back(i);
  }
  near.uniform = in_hole || (near.grains.size() == 1 && !near.hole_edge && !disturbed);
  return near;
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
int Stem4DSpecimen::defect_at(double x, double y) const {
  return at(x, y).defect;
}

std::array<double, 2> Stem4DSpecimen::grain_centre(std::size_t grain) const {
  const Grain& g = grains_.at(grain);
  return {g.x, g.y};
}

}  // namespace edgeloop::sims
