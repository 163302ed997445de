#include "edgeloop/sims/saxs_form_factors.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <vector>

namespace edgeloop::sims {
namespace {

TEST(SphereFormFactor, IsOneAtZeroAndVanishesAtTheKnownRoots) {
  EXPECT_DOUBLE_EQ(sphere_form_factor(0.0, 10.0), 1.0);
  // The roots of tan x = x.
  for (const double root : {4.493409457909064, 7.725251836937707, 10.904121659428899}) {
    EXPECT_LT(sphere_form_factor(root / 10.0, 10.0), 1e-20) << root;
  }
  // The series and the closed form agree where they meet.
  const double x = 0.05;
  EXPECT_NEAR(sphere_amplitude(x - 1e-12), 3.0 * (std::sin(x) - x * std::cos(x)) / (x * x * x),
              1e-12);
}

TEST(SphereFormFactor, GuinierLawAtSmallQ) {
  // P ≈ exp(-q² Rg² / 3) with Rg² = 3/5 R².
  const double r = 10.0;
  const double q = 0.02;
  EXPECT_NEAR(sphere_form_factor(q, r), std::exp(-q * q * 0.6 * r * r / 3.0), 1e-5);
}

TEST(SpherePopulation, MonodisperseIsVolumeTimesFormFactor) {
  const std::vector<double> q = {0.0, 0.1, 0.3};
  std::vector<double> out(q.size());
  const SizeNode one{15.0, 1.0};
  sphere_population_factor(q, std::span<const SizeNode>(&one, 1), out);
  for (std::size_t k = 0; k < q.size(); ++k) {
    EXPECT_NEAR(out[k], sphere_volume_nm3(15.0) * sphere_form_factor(q[k], 15.0),
                1e-9 * sphere_volume_nm3(15.0));
  }
}

TEST(SpherePopulation, PolydispersityFillsTheMinima) {
  const double q = 4.493409457909064 / 10.0;
  std::vector<double> sharp(1);
  std::vector<double> smeared(1);
  const std::vector<double> qs = {q};
  sphere_population_factor(qs, schulz_nodes(10.0, 0.0, q), sharp);
  sphere_population_factor(qs, schulz_nodes(10.0, 0.1, q), smeared);
  EXPECT_LT(sharp[0], 1e-12);
  EXPECT_GT(smeared[0], 1.0);
  // Forward scattering: <V²>/<V> = 4π/3 <R⁶>/<R³>.
  std::vector<double> zero(1);
  sphere_population_factor(std::vector<double>{0.0}, schulz_nodes(10.0, 0.1, 1.0), zero);
  const double exact =
      4.0 / 3.0 * std::numbers::pi * schulz_moment(10.0, 0.1, 6) / schulz_moment(10.0, 0.1, 3);
  EXPECT_NEAR(zero[0] / exact, 1.0, 1e-3);
}

// An independent brute-force orientation average with the standard library's Bessel function.
double brute_force_cylinder(double q, double r, double l) {
  const int n = 20000;
  double sum = 0.0;
  for (int k = 0; k < n; ++k) {
    const double alpha = (k + 0.5) * (std::numbers::pi / 2.0) / n;
    const double x = q * r * std::sin(alpha);
    const double y = 0.5 * q * l * std::cos(alpha);
    const double disc = x < 1e-8 ? 1.0 : 2.0 * std::cyl_bessel_j(1.0, x) / x;
    const double rod = y < 1e-8 ? 1.0 : std::sin(y) / y;
    sum += disc * disc * rod * rod * std::sin(alpha);
  }
  return sum * (std::numbers::pi / 2.0) / n;
}

TEST(CylinderFormFactor, BesselTableMatchesTheStandardLibrary) {
  const CylinderFormFactor cylinders;
  double worst = 0.0;
  for (double x = 0.0; x < 400.0; x += 0.0937) {
    worst = std::max(worst, std::abs(cylinders.bessel_j1(x) - std::cyl_bessel_j(1.0, x)));
  }
  EXPECT_LT(worst, 2e-6);
  EXPECT_NEAR(cylinders.bessel_j1(-1.0), -std::cyl_bessel_j(1.0, 1.0), 1e-6);
  EXPECT_DOUBLE_EQ(cylinders.disc_amplitude(0.0), 1.0);
}

TEST(CylinderFormFactor, OrientationAverageMatchesBruteForce) {
  const CylinderFormFactor cylinders;
  EXPECT_NEAR(cylinders.form_factor(0.0, 4.0, 100.0), 1.0, 1e-6);  // Simpson, 32 intervals
  for (const double q : {0.01, 0.05, 0.2, 0.7, 2.0}) {
    const double expected = brute_force_cylinder(q, 4.0, 100.0);
    EXPECT_NEAR(cylinders.form_factor(q, 4.0, 100.0) / expected, 1.0, 1e-4) << "q=" << q;
  }
}

TEST(CylinderFormFactor, LongRodsFollowTheRodLaw) {
  // For 1/L << q << 1/R, P(q) ≈ π / (q L).
  const CylinderFormFactor cylinders;
  const double q = 0.2;
  EXPECT_NEAR(cylinders.form_factor(q, 0.5, 2000.0) * q * 2000.0 / std::numbers::pi, 1.0, 0.02);
}

TEST(CylinderFormFactor, GridAndPointEvaluationsAgree) {
  const CylinderFormFactor cylinders;
  const auto radii = schulz_nodes(4.0, 0.1, 1.5);
  std::vector<double> q;
  for (int k = 0; k <= 300; ++k) q.push_back(1.5 * k / 300.0);
  std::vector<double> grid(q.size());
  cylinders.population_factor(q, 80.0, radii, grid);
  for (const std::size_t k : {0UL, 7UL, 40UL, 150UL, 300UL}) {
    const double point = cylinders.population_factor(q[k], 80.0, radii);
    EXPECT_NEAR(grid[k] / point, 1.0, 2e-4) << "q=" << q[k];
  }
  // At q = 0: <V²>/<V> = π L <R⁴>/<R²>.
  EXPECT_NEAR(
      grid[0] / (std::numbers::pi * 80.0 * schulz_moment(4.0, 0.1, 4) / schulz_moment(4.0, 0.1, 2)),
      1.0, 1e-3);
}

TEST(FormFactors, RejectBadInput) {
  const CylinderFormFactor cylinders;
  EXPECT_THROW((void)sphere_form_factor(-1.0, 1.0), std::invalid_argument);
  EXPECT_THROW((void)sphere_form_factor(0.1, 0.0), std::invalid_argument);
  EXPECT_THROW((void)cylinders.form_factor(0.1, 1.0, std::nan("")), std::invalid_argument);
  std::vector<double> out(2);
  EXPECT_THROW(cylinders.population_factor(std::vector<double>{0.2, 0.1}, 10.0,
                                           schulz_nodes(2.0, 0.0, 1.0), out),
               std::invalid_argument);
}

}  // namespace
}  // namespace edgeloop::sims
