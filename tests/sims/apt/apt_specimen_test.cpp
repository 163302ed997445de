#include "edgeloop/sims/apt_specimen.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <stdexcept>

namespace edgeloop::sims {
namespace {

constexpr double kFov = 0.545;  // the default detector's field of view

AptSpecimenSettings small() {
  AptSpecimenSettings s;
  s.tip_radius_nm = 20.0;
  s.length_nm = 20.0;
  return s;
}

bool same(const AptAtom& a, const AptAtom& b) {
  return a.key == b.key && a.x == b.x && a.y == b.y && a.depth == b.depth &&
         a.element == b.element && a.isotope == b.isotope && a.phase == b.phase;
}

void expect_fraction(double count, double n, double p, const char* what) {
  const double sigma = std::sqrt(p * (1 - p) / n);
  EXPECT_LT(std::abs(count / n - p), 4 * sigma) << what << ": " << count / n << " vs " << p;
}

TEST(AptSpecimen, PlanesAreReproducibleFromTheSeed) {
  const AptSpecimen a(small(), kFov, 5);
  const AptSpecimen b(small(), kFov, 5);
  const AptSpecimen c(small(), kFov, 6);
  std::vector<AptAtom> pa;
  std::vector<AptAtom> pb;
  std::vector<AptAtom> pc;
  a.plane_atoms(40, pa);
  b.plane_atoms(40, pb);
  c.plane_atoms(40, pc);
  ASSERT_EQ(pa.size(), pb.size());
  ASSERT_FALSE(pa.empty());
  for (std::size_t i = 0; i < pa.size(); ++i) ASSERT_TRUE(same(pa[i], pb[i])) << i;
  // Another seed keeps the lattice but draws other species.
  ASSERT_EQ(pa.size(), pc.size());
  std::size_t differ = 0;
  for (std::size_t i = 0; i < pa.size(); ++i) differ += pa[i].element != pc[i].element ? 1U : 0U;
  EXPECT_GT(differ, 0U);
  // A plane built again, after others, is the same.
  std::vector<AptAtom> again;
  a.plane_atoms(39, again);
  again.clear();
  a.plane_atoms(40, again);
  for (std::size_t i = 0; i < pa.size(); ++i) ASSERT_TRUE(same(pa[i], again[i])) << i;
}

TEST(AptSpecimen, AtomsFillTheCoreAtTheLatticeDensity) {
  const AptSpecimen s(small(), kFov, 1);
  EXPECT_NEAR(s.atomic_density_per_nm3(), 4.0 / std::pow(0.405, 3), 1e-9);
  EXPECT_NEAR(s.plane_spacing(), 0.2025, 1e-12);
  EXPECT_EQ(s.plane_count(), 99U);  // 20 nm / 0.2025 nm, plus the apex plane
  // Deep enough that the initial cap does not cut the plane.
  std::uint64_t atoms = 0;
  double volume = 0.0;
  for (std::uint64_t k = 60; k < 80; ++k) {
    std::vector<AptAtom> plane;
    s.plane_atoms(k, plane);
    atoms += plane.size();
    const double r = s.region_radius(static_cast<double>(k) * s.plane_spacing());
    volume += std::numbers::pi * r * r * s.plane_spacing();
    for (const AptAtom& a : plane) {
      EXPECT_LE(std::hypot(a.x, a.y), r + 1e-4);
      EXPECT_GE(a.key, s.min_key(k));
      EXPECT_LE(a.key, static_cast<double>(a.depth) + s.plane_spacing());
    }
  }
  EXPECT_NEAR(static_cast<double>(atoms) / volume, s.atomic_density_per_nm3(), 0.02 * 60.2);
}

TEST(AptSpecimen, TheApexStartsAsAHemisphericalCap) {
  const AptSpecimen s(small(), kFov, 1);
  std::vector<AptAtom> top;
  s.plane_atoms(0, top);
  for (const AptAtom& a : top) EXPECT_LT(std::hypot(a.x, a.y), 1.0);
  std::vector<AptAtom> deeper;
  s.plane_atoms(10, deeper);
  for (const AptAtom& a : deeper) EXPECT_GE(a.key, 0.0);
  // The cap radius grows as the apex recedes down the cone.
  EXPECT_EQ(s.cap_radius(0.0), 20.0);
  const double sa = std::sin(5.0 * std::numbers::pi / 180.0);
  EXPECT_NEAR(s.cap_radius(10.0), 20.0 + 10.0 * sa / (1 - sa), 1e-12);
}

TEST(AptSpecimen, MatrixAndClustersHaveTheirCompositions) {
  AptSpecimenSettings settings = small();
  settings.clusters.number_density_per_nm3 = 4e-3;  // more clusters, more cluster atoms
  const AptSpecimen s(settings, kFov, 2);
  ASSERT_EQ(s.elements().size(), 3U);
  EXPECT_EQ(s.elements()[0]->symbol, "Al");
  EXPECT_EQ(s.elements()[1]->symbol, "Mg");
  EXPECT_EQ(s.elements()[2]->symbol, "Cu");
  EXPECT_EQ(s.matrix_composition(), (std::vector<double>{1 - 0.016, 0.002, 0.014}));
  ASSERT_GT(s.clusters().size(), 5U);

  std::array<std::array<double, 3>, 2> counts{};
  std::array<double, 2> cu_isotopes{};
  for (std::uint64_t k = 0; k < s.plane_count(); ++k) {
    std::vector<AptAtom> plane;
    s.plane_atoms(k, plane);
    for (const AptAtom& a : plane) {
      counts[a.phase][a.element] += 1;
      if (a.element == 2) cu_isotopes[a.isotope] += 1;
      if (a.phase == AptSpecimen::kCluster) {
        bool inside = false;
        for (const AptCluster& c : s.clusters()) {
          const double d =
              std::hypot(static_cast<double>(a.x) - c.x, static_cast<double>(a.y) - c.y,
                         static_cast<double>(a.depth) - c.depth);
          inside = inside || d < c.radius + 1e-3;
        }
        ASSERT_TRUE(inside);
      }
    }
  }
  for (std::size_t phase = 0; phase < 2; ++phase) {
    const auto& want = phase == 0 ? s.matrix_composition() : s.cluster_composition();
    const double n = counts[phase][0] + counts[phase][1] + counts[phase][2];
    for (std::size_t e = 0; e < 3; ++e) expect_fraction(counts[phase][e], n, want[e], "phase");
  }
  expect_fraction(cu_isotopes[0], cu_isotopes[0] + cu_isotopes[1], 0.6915, "63Cu");
  // The overall composition weighs the phases by the clusters' volume.
  const double f = s.cluster_volume_fraction();
  EXPECT_GT(f, 0.0);
  EXPECT_NEAR(s.overall_composition()[2], (1 - f) * 0.014 + f * 0.25, 1e-12);
}

TEST(AptSpecimen, ClustersSitInsideTheCoreWithoutOverlapping) {
  AptSpecimenSettings settings = small();
  settings.length_nm = 60.0;
  settings.clusters.number_density_per_nm3 = 5e-3;
  const AptSpecimen s(settings, kFov, 3);
  const auto clusters = s.clusters();
  // Poisson count around density x volume (some places may be refused for overlap).
  const double expected = 5e-3 * s.region_volume_nm3();
  EXPECT_GT(static_cast<double>(clusters.size()), expected - 5 * std::sqrt(expected) - 5);
  EXPECT_LT(static_cast<double>(clusters.size()), expected + 5 * std::sqrt(expected));
  for (std::size_t i = 0; i < clusters.size(); ++i) {
    const AptCluster& a = clusters[i];
    EXPECT_GE(a.depth, 0.0);
    EXPECT_LE(a.depth, 60.0);
    EXPECT_LE(std::hypot(a.x, a.y), s.region_radius(a.depth));
    EXPECT_GE(a.radius, settings.lattice_constant_nm);
    if (i > 0) {
      EXPECT_GE(a.depth, clusters[i - 1].depth);
    }
    for (std::size_t j = 0; j < i; ++j) {
      const AptCluster& b = clusters[j];
      EXPECT_GE(std::hypot(a.x - b.x, a.y - b.y, a.depth - b.depth), a.radius + b.radius);
    }
  }
}

TEST(AptSpecimen, TheOrderOfTheSettingsDoesNotMatter) {
  AptSpecimenSettings a = small();
  AptSpecimenSettings b = small();
  b.matrix = {{"Cu", 0.014}, {"Mg", 0.002}};
  b.clusters.composition = {{"Cu", 0.25}, {"Mg", 0.10}};
  const AptSpecimen sa(a, kFov, 9);
  const AptSpecimen sb(b, kFov, 9);
  std::vector<AptAtom> pa;
  std::vector<AptAtom> pb;
  sa.plane_atoms(50, pa);
  sb.plane_atoms(50, pb);
  ASSERT_EQ(pa.size(), pb.size());
  for (std::size_t i = 0; i < pa.size(); ++i) ASSERT_TRUE(same(pa[i], pb[i]));
}

TEST(AptSpecimen, RejectsBadSettings) {
  const auto make = [](auto change) {
    AptSpecimenSettings s = small();
    change(s);
    return AptSpecimen(s, kFov, 1);
  };
  EXPECT_THROW(make([](auto& s) { s.base = "Xx"; }), std::invalid_argument);
  EXPECT_THROW(make([](auto& s) { s.matrix = {{"Qq", 0.01}}; }), std::invalid_argument);
  EXPECT_THROW(make([](auto& s) { s.matrix = {{"Al", 0.01}}; }), std::invalid_argument);
  EXPECT_THROW(make([](auto& s) { s.matrix = {{"Cu", 0.6}, {"Mg", 0.4}}; }), std::invalid_argument);
  EXPECT_THROW(make([](auto& s) {
                 s.matrix = {{"Cu", 0.01}, {"Cu", 0.01}};
               }),
               std::invalid_argument);
  EXPECT_THROW(make([](auto& s) { s.matrix = {{"Cu", -0.01}}; }), std::invalid_argument);
  EXPECT_THROW(make([](auto& s) { s.tip_radius_nm = std::nan(""); }), std::invalid_argument);
  EXPECT_THROW(make([](auto& s) { s.shank_half_angle_deg = 60; }), std::invalid_argument);
  EXPECT_THROW(make([](auto& s) { s.clusters.number_density_per_nm3 = 1.0; }),
               std::invalid_argument);
  EXPECT_THROW(AptSpecimen(small(), 1.6, 1), std::invalid_argument);  // wider than the shank
  EXPECT_THROW(AptSpecimen(small(), 0.0, 1), std::invalid_argument);
}

}  // namespace
}  // namespace edgeloop::sims
