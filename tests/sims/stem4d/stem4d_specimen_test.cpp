#include "edgeloop/sims/stem4d_specimen.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <numbers>
#include <set>
#include <stdexcept>
#include <vector>

#include "edgeloop/sims/random.hpp"

namespace edgeloop::sims {
namespace {

TEST(Stem4DSpecimen, HasGrainsOfEveryPhaseOutsideTheHole) {
  const Stem4DSpecimen specimen(1, 1024, 1024);
  EXPECT_GE(specimen.grain_count(), 3U);
  std::set<int> phases_seen;
  for (std::size_t g = 0; g < specimen.grain_count(); ++g) {
    const auto [x, y] = specimen.grain_centre(g);
    if (specimen.is_vacuum(x, y)) continue;
    // A grain's seed point lies in its own Voronoi cell.
    EXPECT_EQ(specimen.at(x, y).grain, static_cast<int>(g));
    EXPECT_EQ(specimen.phase_at(x, y), specimen.grain_phase(g));
    phases_seen.insert(specimen.grain_phase(g));
  }
  EXPECT_EQ(phases_seen.size(), Stem4DSpecimen::phases().size());
}

TEST(Stem4DSpecimen, EvenASmallFieldShowsAllPhases) {
  const Stem4DSpecimen specimen(3, 32, 24);
  std::set<int> phases_seen;
  for (double y = 0; y < 24; y += 1) {
    for (double x = 0; x < 32; x += 1) phases_seen.insert(specimen.phase_at(x, y));
  }
  phases_seen.erase(Stem4DSpecimen::kVacuumPhase);
  EXPECT_EQ(phases_seen.size(), 3U);
}

TEST(Stem4DSpecimen, HoleIsInTheOriginCorner) {
  const Stem4DSpecimen specimen(1, 1000, 500);
  EXPECT_TRUE(specimen.is_vacuum(0, 0));
  EXPECT_TRUE(specimen.is_vacuum(60, 60));
  EXPECT_FALSE(specimen.is_vacuum(999, 499));
  EXPECT_FALSE(specimen.is_vacuum(500, 0));
  const SpecimenPoint hole = specimen.at(10, 10);
  EXPECT_TRUE(hole.vacuum);
  EXPECT_EQ(hole.phase, Stem4DSpecimen::kVacuumPhase);
  EXPECT_EQ(hole.thickness, 0.0);
}

TEST(Stem4DSpecimen, ThicknessIsSmoothAndGrowsAwayFromTheHole) {
  const Stem4DSpecimen specimen(5, 1024, 1024);
  double previous = specimen.thickness_at(1023, 0);
  for (double x = 1022; x >= 0; x -= 1) {
    if (specimen.is_vacuum(x, 0)) break;
    const double t = specimen.thickness_at(x, 0);
    EXPECT_GT(t, 0.05);
    EXPECT_LT(t, 1.5);
    EXPECT_LT(std::abs(t - previous), 0.02) << "jump at x=" << x;
    previous = t;
  }
  // Averaged over the undulation, the film is thinner near the hole than far from it.
  double near = 0.0;
  double far = 0.0;
  for (int k = 0; k < 64; ++k) {
    const double angle = (k + 0.5) / 64.0 * std::numbers::pi / 2.0;
    near += specimen.thickness_at(220 * std::cos(angle), 220 * std::sin(angle));
    far += specimen.thickness_at(1000 * std::cos(angle), 1000 * std::sin(angle));
  }
  EXPECT_LT(near, far);
}

TEST(Stem4DSpecimen, OrientationIsWithinTheLatticeSymmetry) {
  const Stem4DSpecimen specimen(11, 2048, 2048);
  std::set<double> orientations;
  for (std::size_t g = 0; g < specimen.grain_count(); ++g) {
    const auto [x, y] = specimen.grain_centre(g);
    if (specimen.is_vacuum(x, y)) continue;
    const double angle = specimen.orientation_at(x, y);
    const Lattice lattice =
        Stem4DSpecimen::phases()[static_cast<std::size_t>(specimen.grain_phase(g))].lattice;
    const double symmetry =
        lattice == Lattice::Hexagonal ? std::numbers::pi / 3.0 : std::numbers::pi / 2.0;
    EXPECT_GE(angle, 0.0);
    EXPECT_LT(angle, symmetry);
    orientations.insert(angle);
  }
  EXPECT_GT(orientations.size(), 10U) << "grains are not all aligned";
}

TEST(Stem4DSpecimen, SameSeedSameSpecimenOtherSeedAnother) {
  const Stem4DSpecimen a(42, 512, 512);
  const Stem4DSpecimen b(42, 512, 512);
  const Stem4DSpecimen c(43, 512, 512);
  int differences = 0;
  for (double y = 0; y < 512; y += 16) {
    for (double x = 0; x < 512; x += 16) {
      EXPECT_EQ(a.phase_at(x, y), b.phase_at(x, y));
      EXPECT_EQ(a.orientation_at(x, y), b.orientation_at(x, y));
      EXPECT_EQ(a.thickness_at(x, y), b.thickness_at(x, y));
      if (a.orientation_at(x, y) != c.orientation_at(x, y)) ++differences;
    }
  }
  EXPECT_GT(differences, 100);
}

TEST(Stem4DSpecimen, PhasesHaveDistinctSpacings) {
  const auto phases = Stem4DSpecimen::phases();
  ASSERT_EQ(phases.size(), 3U);
  for (std::size_t i = 0; i < phases.size(); ++i) {
    // Lattice spacings d = 1/g of real crystals, 0.2..0.5 nm, scattering with a few volts.
    EXPECT_GT(phases[i].g_per_nm, 2.0);
    EXPECT_LT(phases[i].g_per_nm, 5.0);
    EXPECT_GT(phases[i].potential_v, 0.0);
    for (std::size_t j = i + 1; j < phases.size(); ++j) {
      EXPECT_GT(std::abs(phases[i].g_per_nm - phases[j].g_per_nm), 0.3);
    }
  }
}

std::vector<const Defect*> defects_of(const Stem4DSpecimen& specimen, DefectKind kind) {
  std::vector<const Defect*> out;
  for (const Defect& d : specimen.defects()) {
    if (d.kind == kind) out.push_back(&d);
  }
  return out;
}

double angle_distance(double a, double b, double period) {
  const double d = std::fmod(std::abs(a - b), period);
  return std::min(d, period - d);
}

double symmetry_of(int phase) {
  return symmetry_angle(Stem4DSpecimen::phases()[static_cast<std::size_t>(phase)].lattice);
}

TEST(Stem4DSpecimen, AFewDefectsFixedByTheSeedAndInTheFilm) {
  const Stem4DSpecimen a(1, 1024, 1024);
  const Stem4DSpecimen b(1, 1024, 1024);
  const Stem4DSpecimen other(2, 1024, 1024);
  EXPECT_EQ(defects_of(a, DefectKind::Void).size(), 4U);
  EXPECT_EQ(defects_of(a, DefectKind::Inclusion).size(), 3U);
  EXPECT_EQ(defects_of(a, DefectKind::TwinBoundary).size(), 1U);
  EXPECT_EQ(defects_of(a, DefectKind::DislocationDipole).size(), 1U);
  ASSERT_EQ(a.defects().size(), b.defects().size());
  for (std::size_t i = 0; i < a.defects().size(); ++i) {
    EXPECT_EQ(a.defects()[i].x, b.defects()[i].x);
    EXPECT_EQ(a.defects()[i].y, b.defects()[i].y);
    EXPECT_EQ(a.defects()[i].radius, b.defects()[i].radius);
    EXPECT_NE(a.defects()[i].x, other.defects()[i].x);
  }
  for (const Defect& d : a.defects()) {
    EXPECT_FALSE(a.is_vacuum(d.x, d.y));
    EXPECT_GE(d.grain, 0);
    EXPECT_GE(d.phase, 0);
    if (d.kind == DefectKind::Void || d.kind == DefectKind::Inclusion) {
      // Whole, in the film, clear of the field's edges and of each other.
      EXPECT_GE(d.x - d.radius, 0.0);
      EXPECT_LE(d.x + d.radius, a.width());
      EXPECT_GE(d.y - d.radius, 0.0);
      EXPECT_LE(d.y + d.radius, a.height());
      for (int k = 0; k < 16; ++k) {
        const double angle = k * std::numbers::pi / 8.0;
        EXPECT_FALSE(
            a.is_vacuum(d.x + d.radius * std::cos(angle), d.y + d.radius * std::sin(angle)));
      }
      for (const Defect& e : a.defects()) {
        if (&e == &d || (e.kind != DefectKind::Void && e.kind != DefectKind::Inclusion)) continue;
        EXPECT_GT(std::hypot(d.x - e.x, d.y - e.y), d.radius + e.radius);
      }
    }
  }
}

TEST(Stem4DSpecimen, AVoidThinsTheFilm) {
  const Stem4DSpecimen specimen(1, 1024, 1024);
  const auto voids = defects_of(specimen, DefectKind::Void);
  ASSERT_FALSE(voids.empty());
  for (const Defect* d : voids) {
    const auto index = static_cast<int>(d - specimen.defects().data());
    EXPECT_EQ(specimen.defect_at(d->x, d->y), index);
    EXPECT_EQ(specimen.defect_at(d->x + d->radius + 0.5, d->y), Stem4DSpecimen::kNoDefect);
    EXPECT_GT(d->depth, 0.0);
    EXPECT_LT(d->depth, 1.0);
    // At its centre a fraction `depth` of the film is missing; the film around it is smooth.
    const double around = 0.5 * (specimen.thickness_at(d->x - d->radius - 0.01, d->y) +
                                 specimen.thickness_at(d->x + d->radius + 0.01, d->y));
    EXPECT_NEAR(specimen.thickness_at(d->x, d->y) / around, 1.0 - d->depth, 0.02);
    EXPECT_EQ(specimen.phase_at(d->x, d->y), d->phase);
  }
}

TEST(Stem4DSpecimen, AnInclusionIsAnotherPhaseInItsOwnOrientation) {
  const Stem4DSpecimen specimen(1, 1024, 1024);
  for (const Defect* d : defects_of(specimen, DefectKind::Inclusion)) {
    const int host = specimen.grain_phase(static_cast<std::size_t>(d->grain));
    EXPECT_NE(d->phase, host);
    const SpecimenPoint inside = specimen.at(d->x + 0.5 * d->radius, d->y);
    EXPECT_EQ(inside.phase, d->phase);
    EXPECT_EQ(inside.orientation, d->orientation);
    EXPECT_EQ(inside.defect, static_cast<int>(d - specimen.defects().data()));
    EXPECT_EQ(inside.grain, d->grain) << "the host grain is still the Voronoi cell";
    const SpecimenPoint outside = specimen.at(d->x + d->radius + 0.5, d->y);
    EXPECT_NE(outside.phase, d->phase);
  }
}

TEST(Stem4DSpecimen, ATwinBoundaryMirrorsPartOfItsGrain) {
  const Stem4DSpecimen specimen(1, 1024, 1024);
  const auto twins = defects_of(specimen, DefectKind::TwinBoundary);
  ASSERT_EQ(twins.size(), 1U);
  const Defect& twin = *twins[0];
  const auto g = static_cast<std::size_t>(twin.grain);
  const double parent = specimen.grain_orientation(g);
  const double symmetry = symmetry_of(twin.phase);
  // A coincidence-site twin: Sigma 7 (21.8 degrees) in a hexagonal lattice, Sigma 5 (36.9) in a
  // square one, and the boundary bisects the two orientations, so it is a mirror line.
  const bool hexagonal =
      Stem4DSpecimen::phases()[static_cast<std::size_t>(twin.phase)].lattice == Lattice::Hexagonal;
  const double sigma = hexagonal ? std::acos(13.0 / 14.0) : std::acos(4.0 / 5.0);
  EXPECT_NEAR(angle_distance(twin.orientation, parent + sigma, symmetry), 0.0, 1e-9);
  EXPECT_NEAR(angle_distance(2.0 * twin.angle - parent, twin.orientation, symmetry), 0.0, 1e-9);
  // The seed point keeps the parent's orientation; across the boundary, inside the grain, the
  // twin's.
  const auto [sx, sy] = specimen.grain_centre(g);
  EXPECT_EQ(specimen.orientation_at(sx, sy), parent);
  const double nx = -std::sin(twin.angle);
  const double ny = std::cos(twin.angle);
  const SpecimenPoint across = specimen.at(twin.x + 3.0 * nx, twin.y + 3.0 * ny);
  ASSERT_EQ(across.grain, twin.grain);
  EXPECT_EQ(across.orientation, twin.orientation);
  EXPECT_EQ(across.phase, twin.phase);
  const SpecimenPoint before = specimen.at(twin.x - 3.0 * nx, twin.y - 3.0 * ny);
  EXPECT_EQ(before.orientation, parent);
  // The twinned lattice is the parent's mirror image: its origin is the seed's mirror image.
  const double seed_side = (sx - twin.x) * nx + (sy - twin.y) * ny;
  EXPECT_NEAR(across.lattice.origin[0], sx - 2.0 * seed_side * nx, 1e-9);
  EXPECT_NEAR(across.lattice.origin[1], sy - 2.0 * seed_side * ny, 1e-9);
  EXPECT_EQ(specimen.defect_at(twin.x, twin.y),
            static_cast<int>(&twin - specimen.defects().data()));
  EXPECT_EQ(before.defect, Stem4DSpecimen::kNoDefect);
}

TEST(Stem4DSpecimen, ADislocationDipoleStrainsItsGrain) {
  const Stem4DSpecimen specimen(1, 1024, 1024);
  const auto dipoles = defects_of(specimen, DefectKind::DislocationDipole);
  ASSERT_EQ(dipoles.size(), 1U);
  const Defect& d = *dipoles[0];
  const auto g = static_cast<std::size_t>(d.grain);
  const Phase& phase = Stem4DSpecimen::phases()[static_cast<std::size_t>(d.phase)];
  // The Burgers vector is a lattice translation: a1 of the grain's lattice, in scan units.
  const auto a1 = real_basis(phase.lattice, specimen.grain_orientation(g))[0];
  EXPECT_NEAR(d.burgers, std::hypot(a1[0], a1[1]) / phase.g_per_nm / specimen.nm_per_unit(), 1e-12);
  EXPECT_NEAR(d.angle, std::atan2(a1[1], a1[0]), 1e-12);
  EXPECT_GT(d.range, d.separation);

  const double bx = std::cos(d.angle);
  const double by = std::sin(d.angle);
  // Crossing the segment between the cores, the lattice slips by exactly one Burgers vector
  // (the closure failure of a Burgers circuit around one core); nearby, it is continuous.
  const auto displacement = [&](double along) {
    return specimen.at(d.x + along * bx, d.y + along * by).displacement;
  };
  const auto left = displacement(-0.02);
  const auto right = displacement(0.02);
  EXPECT_NEAR(std::hypot(left[0] - right[0], left[1] - right[1]), d.burgers, 0.02 * d.burgers);
  const auto far_left = displacement(-0.3 * d.separation - 0.02);
  const auto far_right = displacement(-0.3 * d.separation + 0.02);
  EXPECT_LT(std::hypot(far_left[0] - far_right[0], far_left[1] - far_right[1]), 0.05 * d.burgers);
  // Beyond the strain field's range the crystal is undisturbed.
  const SpecimenPoint outside = specimen.at(d.x + 1.01 * d.range * bx, d.y + 1.01 * d.range * by);
  EXPECT_EQ(outside.displacement, (std::array<double, 2>{0.0, 0.0}));
  EXPECT_EQ(outside.orientation, specimen.grain_orientation(g));

  // The lattice turns by -b x / (2 pi r^2) beside an edge dislocation: one way beside the
  // first core (Burgers vector +b), the other way beside the second (-b).
  const double nx = -by;
  const double ny = bx;
  const double half = 0.5 * d.separation;
  const double step = 2.0;
  const double parent = specimen.grain_orientation(g);
  const double symmetry = symmetry_of(d.phase);
  const auto rotation = [&](double sign) {
    const double x = d.x + sign * half * nx + step * bx;
    const double y = d.y + sign * half * ny + step * by;
    double turn = specimen.orientation_at(x, y) - parent;
    if (turn > 0.5 * symmetry) turn -= symmetry;
    if (turn < -0.5 * symmetry) turn += symmetry;
    return turn;
  };
  const double expected =
      d.burgers / (2.0 * std::numbers::pi) * step / (step * step + d.burgers * d.burgers);
  EXPECT_NEAR(rotation(1.0), -expected, 0.35 * expected);
  EXPECT_NEAR(rotation(-1.0), expected, 0.35 * expected);
  EXPECT_EQ(specimen.defect_at(d.x, d.y), static_cast<int>(&d - specimen.defects().data()));
}

TEST(Stem4DSpecimen, ANeighbourhoodAnswersLikeTheWholeSpecimen) {
  const Stem4DSpecimen specimen(1, 1024, 1024);
  Xoshiro256 rng(7);
  // Centres chosen to include the hole's edge, grain boundaries and every defect.
  std::vector<std::array<double, 2>> centres = {{145, 145}, {204.8, 0.5}};
  for (const Defect& d : specimen.defects()) centres.push_back({d.x, d.y});
  for (int k = 0; k < 40; ++k) centres.push_back({1024 * uniform01(rng), 1024 * uniform01(rng)});
  int uniform = 0;
  int mixed = 0;
  for (const auto& [cx, cy] : centres) {
    const double radius = 12.0;
    const Stem4DSpecimen::Neighbourhood near = specimen.neighbourhood(cx, cy, radius);
    const SpecimenPoint centre = specimen.at(cx, cy);
    bool all_same = true;
    for (int k = 0; k < 200; ++k) {
      const double r = radius * std::sqrt(uniform01(rng));
      const double angle = 2.0 * std::numbers::pi * uniform01(rng);
      const double x = cx + r * std::cos(angle);
      const double y = cy + r * std::sin(angle);
      const SpecimenPoint whole = specimen.at(x, y);
      const SpecimenPoint local = specimen.at(x, y, near);
      ASSERT_EQ(local.vacuum, whole.vacuum);
      ASSERT_EQ(local.grain, whole.grain);
      ASSERT_EQ(local.phase, whole.phase);
      ASSERT_EQ(local.orientation, whole.orientation);
      ASSERT_EQ(local.thickness, whole.thickness);
      ASSERT_EQ(local.defect, whole.defect);
      ASSERT_EQ(local.displacement, whole.displacement);
      ASSERT_EQ(local.lattice.origin, whole.lattice.origin);
      all_same = all_same && whole.vacuum == centre.vacuum && whole.phase == centre.phase &&
                 whole.lattice.orientation == centre.lattice.orientation &&
                 whole.lattice.origin == centre.lattice.origin && whole.defect == -1 &&
                 whole.displacement == std::array<double, 2>{};
      // A smaller neighbourhood inside this one answers the same, too.
      const auto inner = specimen.neighbourhood(x, y, 1.0, near);
      ASSERT_EQ(specimen.at(x, y, inner).orientation, whole.orientation);
    }
    // "Uniform" promises one crystal and no defect throughout the disc.
    if (near.uniform) {
      EXPECT_TRUE(all_same) << "at " << cx << "," << cy;
      ++uniform;
    } else {
      ++mixed;
    }
  }
  EXPECT_GT(uniform, 10);
  EXPECT_GT(mixed, 10);
  EXPECT_FALSE(specimen.neighbourhood(145, 145, 2.0).uniform) << "the hole's edge";
  EXPECT_TRUE(specimen.neighbourhood(20, 20, 2.0).uniform) << "deep in the hole";
}

TEST(Stem4DSpecimen, RejectsABadFieldOrScale) {
  EXPECT_THROW(Stem4DSpecimen(1, 0.5, 10), std::invalid_argument);
  EXPECT_THROW(Stem4DSpecimen(1, 10, NAN), std::invalid_argument);
  EXPECT_THROW(Stem4DSpecimen(1, 10, 10, 0.0), std::invalid_argument);
  EXPECT_THROW(Stem4DSpecimen(1, 10, 10, -1.0), std::invalid_argument);
  const Stem4DSpecimen specimen(1, 64, 48, 0.5);
  EXPECT_EQ(specimen.nm_per_unit(), 0.5);
  EXPECT_THROW(specimen.neighbourhood(1, 1, -1.0), std::invalid_argument);
}

TEST(Stem4DSpecimen, ASmallFieldStillGetsDefectsThatFit) {
  const Stem4DSpecimen specimen(3, 64, 48);
  for (const Defect& d : specimen.defects()) {
    EXPECT_LE(d.radius, 0.1 * 48 + 1e-9);
    EXPECT_FALSE(specimen.is_vacuum(d.x, d.y));
  }
}

}  // namespace
}  // namespace edgeloop::sims
