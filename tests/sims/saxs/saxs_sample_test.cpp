#include "edgeloop/sims/saxs_sample.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "edgeloop/sims/saxs_scattering.hpp"

namespace edgeloop::sims {
namespace {

SaxsSample make(std::uint64_t seed = 7, SaxsSampleSettings settings = {}) {
  return SaxsSample(settings, SaxsStageLimits{}, seed);
}

TEST(SaxsSample, SeedFixesTheDome) {
  const SaxsSample a = make(7);
  const SaxsSample b = make(7);
  const SaxsSample c = make(8);
  EXPECT_EQ(a.dome_x_mm(), b.dome_x_mm());
  EXPECT_EQ(a.dome_y_mm(), b.dome_y_mm());
  EXPECT_EQ(a.dome_temperature_c(), b.dome_temperature_c());
  EXPECT_NE(a.dome_x_mm(), c.dome_x_mm());
  // Inside the middle 40% of the sphere region [-20, 7] mm and of y [-10, 10] mm.
  for (const SaxsSample* s : {&a, &c}) {
    EXPECT_GE(s->dome_x_mm(), -20.0 + 0.3 * 27.0);
    EXPECT_LE(s->dome_x_mm(), -20.0 + 0.7 * 27.0);
    EXPECT_GE(s->dome_y_mm(), -4.0);
    EXPECT_LE(s->dome_y_mm(), 4.0);
  }
  const SampleStructure sa = a.structure_at(1.0, 2.0, 30.0);
  const SampleStructure sb = b.structure_at(1.0, 2.0, 30.0);
  EXPECT_EQ(sa.spheres.volume_fraction, sb.spheres.volume_fraction);
}

TEST(SaxsSample, TwoRegionsWithASmoothBand) {
  const SaxsSample s = make();
  const SampleStructure left = s.structure_at(-20.0, 0.0, 25.0);
  const SampleStructure right = s.structure_at(20.0, 0.0, 25.0);
  EXPECT_EQ(left.morphology, Morphology::Spheres);
  EXPECT_EQ(left.sphere_share, 1.0);
  EXPECT_EQ(left.cylinders.volume_fraction, 0.0);
  EXPECT_EQ(right.morphology, Morphology::Cylinders);
  EXPECT_EQ(right.sphere_share, 0.0);
  EXPECT_EQ(right.spheres.volume_fraction, 0.0);
  EXPECT_EQ(morphology_name(right.morphology), "cylinders");
  EXPECT_EQ(right.dominant().length_nm, right.cylinders.length_nm);
  // Exactly one phase outside [7, 9] mm; half and half at the boundary.
  EXPECT_EQ(s.structure_at(6.999, 0.0, 25.0).sphere_share, 1.0);
  EXPECT_EQ(s.structure_at(9.001, 0.0, 25.0).sphere_share, 0.0);
  EXPECT_NEAR(s.structure_at(8.0, 0.0, 25.0).sphere_share, 0.5, 1e-12);
  // No jumps anywhere: 0.01 mm steps in x change everything by at most 2% of its range (the
  // steepest change, across the 2 mm band, is about 1% per step).
  double largest = 0.0;
  for (double x = -20.0; x <= 20.0; x += 0.01) {
    largest = std::max(largest, s.structure_at(x, 1.0, 40.0).forward_intensity_per_cm);
  }
  SampleStructure previous = s.structure_at(-20.0, 1.0, 40.0);
  for (double x = -19.99; x <= 20.0; x += 0.01) {
    const SampleStructure next = s.structure_at(x, 1.0, 40.0);
    EXPECT_LT(std::abs(next.spheres.volume_fraction - previous.spheres.volume_fraction), 2e-3);
    EXPECT_LT(std::abs(next.cylinders.volume_fraction - previous.cylinders.volume_fraction), 2e-3);
    EXPECT_LT(std::abs(next.forward_intensity_per_cm - previous.forward_intensity_per_cm),
              0.02 * largest);
    EXPECT_LT(std::abs(next.guinier_radius_nm - previous.guinier_radius_nm), 0.5);
    previous = next;
  }
}

TEST(SaxsSample, GradientsFollowTheSettings) {
  const SaxsSampleSettings settings;
  const SaxsSample s = make();
  // Radius: R_min at x_min, R_max at the boundary, at the reference temperature.
  EXPECT_NEAR(s.structure_at(-20.0, 0.0, 25.0).spheres.radius_nm, 6.0, 1e-12);
  EXPECT_NEAR(s.structure_at(8.0, 0.0, 25.0).spheres.radius_nm, 18.0, 1e-12);
  // Swelling: +0.3% per °C.
  EXPECT_NEAR(s.structure_at(-20.0, 0.0, 75.0).spheres.radius_nm, 6.0 * 1.15, 1e-12);
  // Polydispersity along y.
  EXPECT_NEAR(s.structure_at(-20.0, -10.0, 25.0).spheres.polydispersity, 0.05, 1e-12);
  EXPECT_NEAR(s.structure_at(-20.0, 10.0, 25.0).spheres.polydispersity, 0.15, 1e-12);
  // Volume fraction: the peak at the dome, the floor far from it (x_max side of the spheres).
  const double at_dome =
      s.structure_at(s.dome_x_mm(), s.dome_y_mm(), s.dome_temperature_c()).spheres.volume_fraction;
  EXPECT_NEAR(at_dome, settings.sphere_volume_fraction_peak, 1e-12);
  // Cylinders: L_min at the boundary, L_max at x_max; φ halves towards x_max.
  EXPECT_NEAR(s.structure_at(20.0, 0.0, 25.0).cylinders.length_nm, 150.0, 1e-9);
  EXPECT_NEAR(s.structure_at(20.0, 0.0, 25.0).cylinders.volume_fraction, 0.03, 1e-12);
  EXPECT_NEAR(s.structure_at(20.0, 0.0, 25.0).cylinders.radius_nm, 4.0, 1e-12);
  // Outside the stage: clamped.
  EXPECT_EQ(s.structure_at(-50.0, 0.0, 25.0).spheres.radius_nm,
            s.structure_at(-20.0, 0.0, 25.0).spheres.radius_nm);
  EXPECT_THROW((void)s.structure_at(std::nan(""), 0.0, 25.0), std::invalid_argument);
}

TEST(SaxsSample, GuinierRadiusOfMonodisperseSpheres) {
  SaxsSampleSettings settings;
  settings.sphere_polydispersity_min = 0.0;
  settings.sphere_polydispersity_max = 0.0;
  const SaxsSample s = make(3, settings);
  const SampleStructure p = s.structure_at(-10.0, 0.0, 25.0);
  EXPECT_NEAR(p.guinier_radius_nm, std::sqrt(0.6) * p.spheres.radius_nm, 1e-9);
  // I(0) = φ Δρ² V (0.1 for the units).
  const double v = 4.0 / 3.0 * M_PI * std::pow(p.spheres.radius_nm, 3);
  EXPECT_NEAR(p.forward_intensity_per_cm, 0.1 * p.spheres.volume_fraction * 9.4 * 9.4 * v, 1e-9);
}

std::string error_of(const SaxsSampleSettings& settings, SaxsStageLimits limits = {}) {
  try {
    SaxsSample(settings, limits, 1);
  } catch (const std::invalid_argument& error) {
    return error.what();
  }
  return "";
}

TEST(SaxsSample, RejectsInconsistentSettings) {
  SaxsSampleSettings s;
  s.boundary_x_mm = 19.5;
  EXPECT_NE(error_of(s).find("boundary_x_mm"), std::string::npos);
  s = {};
  s.sphere_radius_max_nm = 5.0;
  EXPECT_NE(error_of(s).find("sphere_radius_max_nm"), std::string::npos);
  s = {};
  s.sphere_volume_fraction_peak = 0.5;
  EXPECT_NE(error_of(s).find("sphere_volume_fraction_peak"), std::string::npos);
  s = {};
  s.sphere_swelling_per_c = -0.05;
  EXPECT_NE(error_of(s).find("sphere_swelling_per_c"), std::string::npos);
  s = {};
  s.transmission = 0.0;
  EXPECT_NE(error_of(s).find("transmission"), std::string::npos);
  SaxsStageLimits limits;
  limits.x_max_mm = -30.0;
  EXPECT_NE(error_of({}, limits).find("x_max_mm"), std::string::npos);
}

// The landscape promised to an optimiser: I(q*) over the stage has one maximum, inside.
TEST(SaxsSample, IntensityAtTargetQHasAUniqueInteriorOptimum) {
  const SaxsScatteringModel model(1.0, 64);
  for (const std::uint64_t seed : {1U, 2U, 3U}) {
    const SaxsSample s = make(seed);
    const double q = s.settings().target_q_nm;
    const double t = s.dome_temperature_c();
    const int nx = 41;
    const int ny = 21;
    std::vector<double> grid(static_cast<std::size_t>(nx * ny));
    const auto at = [&](int i, int j) -> double& {
      return grid[static_cast<std::size_t>(j * nx + i)];
    };
    for (int j = 0; j < ny; ++j) {
      for (int i = 0; i < nx; ++i) {
        at(i, j) = model.intensity_at(s.structure_at(-20.0 + i, -10.0 + j, t), q);
      }
    }
    const auto best = std::max_element(grid.begin(), grid.end());
    const auto index = static_cast<int>(best - grid.begin());
    const int bi = index % nx;
    const int bj = index / nx;
    EXPECT_GT(bi, 0) << "seed " << seed;
    EXPECT_LT(bi, nx - 1) << "seed " << seed;
    EXPECT_GT(bj, 0) << "seed " << seed;
    EXPECT_LT(bj, ny - 1) << "seed " << seed;
    // No other local maximum of consequence (within half the optimum).
    int maxima = 0;
    for (int j = 0; j < ny; ++j) {
      for (int i = 0; i < nx; ++i) {
        if (at(i, j) < 0.5 * *best) continue;
        bool is_max = true;
        for (int dj = -1; dj <= 1; ++dj) {
          for (int di = -1; di <= 1; ++di) {
            const int ii = i + di;
            const int jj = j + dj;
            if ((di == 0 && dj == 0) || ii < 0 || jj < 0 || ii >= nx || jj >= ny) continue;
            if (at(ii, jj) > at(i, j)) is_max = false;
          }
        }
        maxima += is_max ? 1 : 0;
      }
    }
    EXPECT_EQ(maxima, 1) << "seed " << seed;
    // Along the temperature, at the optimum position: again an interior maximum.
    const double x = -20.0 + bi;
    const double y = -10.0 + bj;
    std::vector<double> along_t;
    for (double temp = 5.0; temp <= 95.0; temp += 5.0) {
      along_t.push_back(model.intensity_at(s.structure_at(x, y, temp), q));
    }
    const auto best_t = std::max_element(along_t.begin(), along_t.end()) - along_t.begin();
    EXPECT_GT(best_t, 0) << "seed " << seed;
    EXPECT_LT(best_t, static_cast<long>(along_t.size()) - 1) << "seed " << seed;
  }
}

}  // namespace
}  // namespace edgeloop::sims
