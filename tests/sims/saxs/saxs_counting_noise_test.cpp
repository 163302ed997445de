#include "edgeloop/sims/saxs_counting_noise.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace edgeloop::sims {
namespace {

// Sample mean and variance of n draws must match the Poisson mean within a few standard errors;
// both tests are at 6σ, so a correct sampler fails them about once in 10⁸ runs.
void check_moments(double mean, int n) {
  CountingNoise noise(1234);
  double sum = 0.0;
  double sum2 = 0.0;
  for (int k = 0; k < n; ++k) {
    const auto x = static_cast<double>(noise.poisson(mean));
    sum += x;
    sum2 += x * x;
  }
  const double m = sum / n;
  const double var = sum2 / n - m * m;
  EXPECT_NEAR(m, mean, 6.0 * std::sqrt(mean / n)) << "mean " << mean;
  // Var of the sample variance ≈ (μ + 2μ²)/n for a Poisson variable.
  EXPECT_NEAR(var, mean, 6.0 * std::sqrt((mean + 2.0 * mean * mean) / n)) << "mean " << mean;
}

TEST(CountingNoise, PoissonMomentsOnBothSidesOfTheAlgorithmSwitch) {
  for (const double mean : {0.01, 0.7, 5.0, 11.9, 12.0, 40.0, 1e3, 1e6})
    check_moments(mean, 100000);
}

TEST(CountingNoise, SmallMeansHaveTheRightZeroFraction) {
  CountingNoise noise(5);
  const int n = 200000;
  int zeros = 0;
  for (int k = 0; k < n; ++k) zeros += noise.poisson(0.5) == 0 ? 1 : 0;
  const double p0 = std::exp(-0.5);
  EXPECT_NEAR(static_cast<double>(zeros) / n, p0, 6.0 * std::sqrt(p0 * (1 - p0) / n));
}

TEST(CountingNoise, SameSeedSameSequence) {
  CountingNoise a(99);
  CountingNoise b(99);
  CountingNoise c(100);
  int differ = 0;
  for (int k = 0; k < 1000; ++k) {
    const double mean = 0.1 * k;
    const auto x = a.poisson(mean);
    EXPECT_EQ(x, b.poisson(mean));
    differ += x != c.poisson(mean) ? 1 : 0;
  }
  EXPECT_GT(differ, 500);
}

TEST(CountingNoise, DegenerateMeans) {
  CountingNoise noise(1);
  EXPECT_EQ(noise.poisson(0.0), 0U);
  EXPECT_EQ(noise.poisson(-3.0), 0U);
  EXPECT_EQ(noise.poisson(std::nan("")), 0U);
  const double u = noise.uniform();
  EXPECT_GE(u, 0.0);
  EXPECT_LT(u, 1.0);
}

}  // namespace
}  // namespace edgeloop::sims
