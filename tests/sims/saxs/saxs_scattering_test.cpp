#include "edgeloop/sims/saxs_scattering.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "edgeloop/sims/saxs_form_factors.hpp"
#include "edgeloop/sims/saxs_structure_factor.hpp"

namespace edgeloop::sims {
namespace {

TEST(IntensityCurve, InterpolatesLinearlyAndClamps) {
  const IntensityCurve c(0.5, {4.0, 2.0, 1.0});
  EXPECT_EQ(c.size(), 3U);
  EXPECT_DOUBLE_EQ(c.q_max(), 1.0);
  EXPECT_DOUBLE_EQ(c.at(0.0), 4.0);
  EXPECT_DOUBLE_EQ(c.at(0.25), 3.0);
  EXPECT_DOUBLE_EQ(c.at(0.75), 1.5);
  EXPECT_DOUBLE_EQ(c.at(5.0), 1.0);
  EXPECT_DOUBLE_EQ(c.at(-1.0), 4.0);
  EXPECT_DOUBLE_EQ(c.at(std::nan("")), 1.0);
  EXPECT_THROW(IntensityCurve(0.0, {1.0, 2.0}), std::invalid_argument);
  EXPECT_THROW(IntensityCurve(0.1, {1.0}), std::invalid_argument);
}

SampleStructure spheres(double radius, double polydispersity, double phi, bool s_of_q) {
  SampleStructure s;
  s.spheres = {radius, polydispersity, phi, 0.0, 9.4};
  s.structure_factor = s_of_q;
  return s;
}

TEST(SaxsScatteringModel, MonodisperseSpheresInAbsoluteUnits) {
  const SaxsScatteringModel model(1.0, 201);
  const IntensityCurve c = model.curve(spheres(10.0, 0.0, 0.05, false));
  ASSERT_EQ(c.size(), 201U);
  EXPECT_DOUBLE_EQ(c.q_step(), 0.005);
  for (const std::size_t k : {0UL, 30UL, 90UL, 200UL}) {
    const double expected =
        0.1 * 0.05 * 9.4 * 9.4 * sphere_volume_nm3(10.0) * sphere_form_factor(c.q(k), 10.0);
    EXPECT_NEAR(c.intensity()[k], expected, 1e-9 * c.intensity()[0]) << k;
  }
}

TEST(SaxsScatteringModel, StructureFactorMultiplies) {
  const SaxsScatteringModel model(1.0, 101);
  const IntensityCurve dilute = model.curve(spheres(8.0, 0.0, 0.2, false));
  const IntensityCurve dense = model.curve(spheres(8.0, 0.0, 0.2, true));
  for (const std::size_t k : {0UL, 10UL, 50UL}) {
    EXPECT_NEAR(dense.intensity()[k],
                dilute.intensity()[k] * hard_sphere_structure_factor(dilute.q(k), 8.0, 0.2),
                1e-9 * dilute.intensity()[0]);
  }
}

TEST(SaxsScatteringModel, GuinierFitRecoversTheSampleGuinierRadius) {
  // The sample model's analytic Rg (3/5 <R⁸>/<R⁶>) against the slope of ln I(q²) of the
  // numerically averaged curve, far inside the Guinier range (q Rg < 0.5).
  SaxsSampleSettings settings;
  settings.structure_factor = false;
  const SaxsSample sample(settings, SaxsStageLimits{}, 4);
  const SampleStructure s = sample.structure_at(-12.0, 8.0, 25.0);  // spheres, p ≈ 0.14
  const double rg = s.guinier_radius_nm;
  const SaxsScatteringModel model(0.5 / rg, 101);
  const IntensityCurve c = model.curve(s);
  EXPECT_NEAR(c.intensity()[0] / s.forward_intensity_per_cm, 1.0, 2e-3);
  // Least-squares slope of ln I against q² over the first half of the grid.
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  const int n = 50;
  for (int k = 1; k <= n; ++k) {
    const double x = c.q(static_cast<std::size_t>(k)) * c.q(static_cast<std::size_t>(k));
    const double y = std::log(c.intensity()[static_cast<std::size_t>(k)]);
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  const double slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  EXPECT_NEAR(std::sqrt(-3.0 * slope) / rg, 1.0, 0.01);
}

TEST(SaxsScatteringModel, PointAndCurveAgreeForBothPhases) {
  const SaxsSample sample(SaxsSampleSettings{}, SaxsStageLimits{}, 5);
  const SaxsScatteringModel model(1.2, 241);
  for (const double x : {-5.0, 8.0, 15.0}) {
    const SampleStructure s = sample.structure_at(x, 0.0, 40.0);
    const IntensityCurve c = model.curve(s);
    for (const std::size_t k : {1UL, 40UL, 120UL}) {
      EXPECT_NEAR(model.intensity_at(s, c.q(k)) / c.intensity()[k], 1.0, 2e-3)
          << "x=" << x << " q=" << c.q(k);
    }
  }
}

TEST(SaxsScatteringModel, RejectsBadGrids) {
  EXPECT_THROW(SaxsScatteringModel(0.0, 100), std::invalid_argument);
  EXPECT_THROW(SaxsScatteringModel(1.0, 4), std::invalid_argument);
}

}  // namespace
}  // namespace edgeloop::sims
