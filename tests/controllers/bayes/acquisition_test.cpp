#include "edgeloop/controllers/bayes/acquisition.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

namespace edgeloop::bayes {
namespace {

double naive_ei(double z) {
  const double pdf = std::exp(-0.5 * z * z) / std::sqrt(2.0 * std::numbers::pi);
  return pdf + z * 0.5 * std::erfc(-z / std::sqrt(2.0));
}

TEST(LogEi, EqualsLogOfEiWhereEiIsRepresentable) {
  for (double z = -8.0; z <= 5.0; z += 0.25) {
    EXPECT_NEAR(log_h(z), std::log(naive_ei(z)), 1e-9 * std::max(1.0, std::abs(log_h(z)))) << z;
  }
  // The mean/sd form adds log sd.
  EXPECT_NEAR(log_expected_improvement(1.0, 2.0, 0.5).value, std::log(2.0 * naive_ei(0.25)), 1e-12);
}

TEST(LogEi, StaysFiniteAndMonotoneFarInTheTail) {
  double previous = log_h(-1.0);
  for (double z : {-5.0, -20.0, -35.0, -36.0, -40.0, -100.0, -1e4, -1e8}) {
    double d = 0;
    const double v = log_h(z, &d);
    EXPECT_TRUE(std::isfinite(v)) << z;
    EXPECT_TRUE(std::isfinite(d)) << z;
    EXPECT_LT(v, previous) << z;
    EXPECT_GT(d, 0.0) << z;
    previous = v;
  }
  // Asymptote: log h(z) ~ -z^2/2 - log(sqrt(2 pi)) - 2 log|z|.
  const double z = -1e3;
  EXPECT_NEAR(log_h(z), -0.5 * z * z - 0.5 * std::log(2 * std::numbers::pi) - 2 * std::log(-z),
              1e-5);
  // Both branches agree at the switch points.
  EXPECT_NEAR(log_h(-1.0 + 1e-12), log_h(-1.0 - 1e-12), 1e-9);
  const double x25 = -25.0 * std::sqrt(2.0);
  EXPECT_NEAR(log_h(x25 + 1e-9), log_h(x25 - 1e-9), 1e-6);
}

TEST(LogEi, DerivativeMatchesFiniteDifferences) {
  for (double z : {-30.0, -3.0, -1.2, 0.0, 2.0}) {
    double d = 0;
    log_h(z, &d);
    const double h = 1e-6;
    EXPECT_NEAR(d, (log_h(z + h) - log_h(z - h)) / (2 * h), 1e-4 * std::max(1.0, std::abs(d))) << z;
  }
}

TEST(Acquisition, UcbAndPi) {
  EXPECT_DOUBLE_EQ(upper_confidence_bound(1.0, 0.5, 4.0).value, 2.0);
  EXPECT_NEAR(log_probability_of_improvement(0.0, 1.0, 0.0).value, std::log(0.5), 1e-15);
  EXPECT_TRUE(std::isfinite(log_probability_of_improvement(-100.0, 1.0, 0.0).value));
  EXPECT_NEAR(log_normal_cdf(-3.0), std::log(0.5 * std::erfc(3.0 / std::sqrt(2.0))), 1e-12);
  EXPECT_NEAR(log_normal_cdf(-10.0), std::log(0.5 * std::erfc(10.0 / std::sqrt(2.0))), 1e-10);
}

}  // namespace
}  // namespace edgeloop::bayes
