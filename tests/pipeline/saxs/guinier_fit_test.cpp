#include "edgeloop/pipeline/saxs/guinier_fit.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace edgeloop::saxs {
namespace {

struct Curve {
  std::vector<double> q, intensity, sigma;
};

// I0 exp(-q² Rg² / 3) on q = step, 2 step, ..., with 1 % errors.
Curve gaussian(double i0, double rg, double step, std::size_t points) {
  Curve c;
  for (std::size_t k = 1; k <= points; ++k) {
    const double q = step * static_cast<double>(k);
    c.q.push_back(q);
    c.intensity.push_back(i0 * std::exp(-q * q * rg * rg / 3.0));
    c.sigma.push_back(0.01 * c.intensity.back());
  }
  return c;
}

TEST(GuinierFitTest, AGaussianCurveGivesItsRadiusAndForwardIntensityBack) {
  const Curve c = gaussian(1000.0, 5.0, 0.005, 100);
  const GuinierFit fit = guinier_fit(c.q, c.intensity, c.sigma);
  ASSERT_TRUE(fit.valid) << fit.reason;
  EXPECT_NEAR(fit.rg, 5.0, 1e-9);
  EXPECT_NEAR(fit.i0, 1000.0, 1e-7);
  EXPECT_TRUE(fit.reason.empty());
  // The range runs from the first point to the last with q·Rg <= 1.3 (q = 0.26 exactly).
  EXPECT_EQ(fit.first, 0u);
  EXPECT_LE(fit.q_last * fit.rg, 1.3 + 1e-9);
  EXPECT_GT(c.q[fit.last + 1] * fit.rg, 1.3);
  EXPECT_EQ(fit.points, fit.last + 1);
  EXPECT_NEAR(fit.reduced_chi2, 0.0, 1e-12);
  // σ(ln I) = 0.01 everywhere: σ(slope) = 0.01 / sqrt(Σ (x - x̄)²), σ(Rg) = 3 σ(slope) / (2 Rg).
  double mean = 0.0;
  for (std::size_t i = 0; i < fit.points; ++i) mean += c.q[i] * c.q[i];
  mean /= static_cast<double>(fit.points);
  double sxx = 0.0;
  for (std::size_t i = 0; i < fit.points; ++i) {
    sxx += (c.q[i] * c.q[i] - mean) * (c.q[i] * c.q[i] - mean);
  }
  EXPECT_NEAR(fit.rg_error, 1.5 * 0.01 / std::sqrt(sxx) / 5.0, 1e-12);
  EXPECT_GT(fit.i0_error, 0.0);
}

TEST(GuinierFitTest, UnweightedFitOfExactDataIsExact) {
  const Curve c = gaussian(3.0, 12.0, 0.002, 200);
  const GuinierFit fit = guinier_fit(c.q, c.intensity, {});
  ASSERT_TRUE(fit.valid) << fit.reason;
  EXPECT_NEAR(fit.rg, 12.0, 1e-8);
  EXPECT_NEAR(fit.i0, 3.0, 1e-10);
  EXPECT_NEAR(fit.rg_error, 0.0, 1e-6);
}

TEST(GuinierFitTest, NoisyCurveAgreesWithinItsErrors) {
  Curve c = gaussian(1.0e4, 8.0, 0.004, 150);
  std::mt19937_64 rng(7);
  std::normal_distribution<double> noise(0.0, 1.0);
  for (std::size_t i = 0; i < c.q.size(); ++i) {
    c.sigma[i] = std::sqrt(c.intensity[i]);  // Poisson-like
    c.intensity[i] += c.sigma[i] * noise(rng);
  }
  const GuinierFit fit = guinier_fit(c.q, c.intensity, c.sigma);
  ASSERT_TRUE(fit.valid) << fit.reason;
  EXPECT_NEAR(fit.rg, 8.0, 4.0 * fit.rg_error);
  EXPECT_NEAR(fit.i0, 1.0e4, 4.0 * fit.i0_error);
  EXPECT_LT(fit.rg_error, 0.1);
  EXPECT_NEAR(fit.reduced_chi2, 1.0, 0.6);
}

TEST(GuinierFitTest, SkipsEmptyBinsAndUnsortedInput) {
  Curve c = gaussian(50.0, 4.0, 0.01, 60);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  c.intensity[0] = nan;
  c.sigma[0] = nan;
  c.intensity[5] = nan;
  std::swap(c.q[3], c.q[10]);
  std::swap(c.intensity[3], c.intensity[10]);
  std::swap(c.sigma[3], c.sigma[10]);
  const GuinierFit fit = guinier_fit(c.q, c.intensity, c.sigma);
  ASSERT_TRUE(fit.valid) << fit.reason;
  EXPECT_NEAR(fit.rg, 4.0, 1e-9);
  EXPECT_EQ(fit.first, 1u);  // q[0] is empty
}

TEST(GuinierFitTest, ReportsWhyThereIsNoGuinierRange) {
  const std::vector<double> q = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6};
  // Rising intensity: no decay at all.
  const std::vector<double> rising = {1, 2, 3, 4, 5, 6};
  GuinierFit fit = guinier_fit(q, rising, {});
  EXPECT_FALSE(fit.valid);
  EXPECT_TRUE(std::isnan(fit.rg));
  EXPECT_TRUE(std::isnan(fit.i0_error));
  EXPECT_NE(fit.reason.find("does not fall"), std::string::npos) << fit.reason;

  // Particles so large that the first point already has q·Rg > 1.3.
  const Curve big = gaussian(1.0, 40.0, 0.05, 20);
  fit = guinier_fit(big.q, big.intensity, big.sigma);
  EXPECT_FALSE(fit.valid);
  EXPECT_NE(fit.reason.find("q·Rg"), std::string::npos) << fit.reason;

  // Too few usable points.
  const std::vector<double> nans(6, std::numeric_limits<double>::quiet_NaN());
  fit = guinier_fit(q, nans, {});
  EXPECT_FALSE(fit.valid);
  EXPECT_NE(fit.reason.find("usable points"), std::string::npos) << fit.reason;

  EXPECT_THROW(guinier_fit(q, std::vector<double>(5, 1.0), {}), std::invalid_argument);
  EXPECT_THROW(guinier_fit(q, rising, {}, {.max_qrg = 0.0}), std::invalid_argument);
}

TEST(GuinierFitTest, SphereCurveGivesThreeFifthsOfTheRadiusSquared) {
  // A homogeneous sphere's Guinier radius is sqrt(3/5) R; the q⁴ term of its form factor biases
  // a fit up to q·Rg = 1.3 by about 2 %.
  constexpr double kR = 10.0;
  std::vector<double> q;
  std::vector<double> intensity;
  for (int k = 1; k <= 200; ++k) {
    const double x = 0.002 * k * kR;
    const double amplitude = 3.0 * (std::sin(x) - x * std::cos(x)) / (x * x * x);
    q.push_back(0.002 * k);
    intensity.push_back(amplitude * amplitude);
  }
  const GuinierFit fit = guinier_fit(q, intensity, {});
  ASSERT_TRUE(fit.valid) << fit.reason;
  EXPECT_NEAR(fit.rg / (std::sqrt(0.6) * kR), 1.0, 0.03);
}

}  // namespace
}  // namespace edgeloop::saxs
