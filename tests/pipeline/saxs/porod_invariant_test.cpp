#include "edgeloop/pipeline/saxs/porod_invariant.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

namespace edgeloop::saxs {
namespace {

TEST(PorodInvariantTest, GaussianCurveGivesItsClosedForm) {
  // ∫₀^∞ q² I0 exp(-q² Rg² / 3) dq = I0 √π / 4 · (3 / Rg²)^(3/2); the curve is 1e-30 of I0 at
  // the end of the grid, so the finite range loses nothing.
  constexpr double kI0 = 250.0;
  constexpr double kRg = 5.0;
  std::vector<double> q;
  std::vector<double> intensity;
  for (int k = 0; k <= 3000; ++k) {
    q.push_back(0.001 * k);
    intensity.push_back(kI0 * std::exp(-q.back() * q.back() * kRg * kRg / 3.0));
  }
  const PorodInvariant p = porod_invariant(q, intensity, {});
  const double exact = kI0 * std::sqrt(std::numbers::pi) / 4.0 * std::pow(3.0 / (kRg * kRg), 1.5);
  EXPECT_NEAR(p.value, exact, 1e-6 * exact);
  EXPECT_TRUE(std::isnan(p.error));
  EXPECT_EQ(p.points, q.size());
  EXPECT_EQ(p.q_first, 0.0);
  EXPECT_EQ(p.q_last, 3.0);
}

TEST(PorodInvariantTest, ExponentialOverAFiniteRange) {
  // ∫₀^Q q² e^{-q} dq = 2 - e^{-Q} (Q² + 2Q + 2); the trapezoid's error is O(h²).
  std::vector<double> q;
  std::vector<double> intensity;
  for (int k = 0; k <= 4000; ++k) {
    q.push_back(0.001 * k);
    intensity.push_back(std::exp(-q.back()));
  }
  const double big_q = 4.0;
  const double exact = 2.0 - std::exp(-big_q) * (big_q * big_q + 2.0 * big_q + 2.0);
  EXPECT_NEAR(porod_invariant(q, intensity, {}).value, exact, 1e-6);
}

TEST(PorodInvariantTest, ErrorOfAKnownCase) {
  // Trapezoid weights q_i² (q_{i+1} - q_{i-1}) / 2 are 0.5, 4, 4.5 here.
  const std::vector<double> q = {1.0, 2.0, 3.0};
  const std::vector<double> intensity = {1.0, 1.0, 1.0};
  const std::vector<double> sigma = {1.0, 1.0, 2.0};
  const PorodInvariant p = porod_invariant(q, intensity, sigma);
  EXPECT_DOUBLE_EQ(p.value, 9.0);
  EXPECT_DOUBLE_EQ(p.error, std::sqrt(0.25 + 16.0 + 81.0));
}

TEST(PorodInvariantTest, BridgesEmptyBinsAndNeedsTwoPoints) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<double> q = {1.0, 2.0, 3.0, 4.0};
  const std::vector<double> intensity = {1.0, nan, 1.0, nan};
  const PorodInvariant p = porod_invariant(q, intensity, {});
  EXPECT_DOUBLE_EQ(p.value, (1.0 + 9.0) / 2.0 * 2.0);
  EXPECT_EQ(p.points, 2u);
  EXPECT_EQ(p.q_last, 3.0);
  const std::vector<double> one = {1.0, nan, nan, nan};
  EXPECT_TRUE(std::isnan(porod_invariant(q, one, {}).value));
  EXPECT_THROW(porod_invariant(q, std::vector<double>(3, 1.0), {}), std::invalid_argument);
}

}  // namespace
}  // namespace edgeloop::saxs
