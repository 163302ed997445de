#include "edgeloop/sims/stem4d_specimen.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <set>

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
    // Beyond touching the central disc (2 radii), and apart from each other.
    EXPECT_GT(phases[i].g_over_bf, 2.0);
    for (std::size_t j = i + 1; j < phases.size(); ++j) {
      EXPECT_GT(std::abs(phases[i].g_over_bf - phases[j].g_over_bf), 0.3);
    }
  }
}

}  // namespace
}  // namespace edgeloop::sims
