#include "edgeloop/sims/poisson_counter.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

namespace edgeloop::sims {
namespace {

// Per-pixel mean and variance over many draws match Poisson for bright pixels (own draws), dim
// ones (shared draw, alias table) and dark counts, and pixels are independent.
TEST(PoissonCounter, EachPixelIsPoissonWhetherBrightOrDim) {
  const std::vector<double> expected = {0.0, 0.01, 0.3, 1.0, 3.9, 4.0, 12.0, 150.0};
  constexpr double kDark = 0.05;
  constexpr int kDraws = 20000;
  PoissonCounter counter;
  Xoshiro256 rng(3);
  std::vector<std::uint32_t> out(expected.size());
  std::vector<double> sum(expected.size(), 0.0);
  std::vector<double> sum2(expected.size(), 0.0);
  double cross = 0.0;  // covariance of two dim pixels
  for (int k = 0; k < kDraws; ++k) {
    counter.count(expected, kDark, rng, std::span<std::uint32_t>(out));
    for (std::size_t p = 0; p < out.size(); ++p) {
      sum[p] += out[p];
      sum2[p] += static_cast<double>(out[p]) * out[p];
    }
    cross += static_cast<double>(out[2]) * out[3];
  }
  for (std::size_t p = 0; p < expected.size(); ++p) {
    const double lambda = expected[p] + kDark;
    const double mean = sum[p] / kDraws;
    const double variance = sum2[p] / kDraws - mean * mean;
    EXPECT_NEAR(mean, lambda, 5.0 * std::sqrt(lambda / kDraws)) << "pixel " << p;
    EXPECT_NEAR(variance, lambda, 5.0 * lambda * std::sqrt(2.0 / kDraws) + 5.0 * lambda / kDraws)
        << "pixel " << p;
  }
  const double covariance = cross / kDraws - (sum[2] / kDraws) * (sum[3] / kDraws);
  EXPECT_NEAR(covariance, 0.0, 5.0 * std::sqrt((0.35 * 1.05) / kDraws));
}

TEST(PoissonCounter, SameGeneratorStateSameCounts) {
  const std::vector<double> expected(1000, 0.7);
  PoissonCounter a;
  PoissonCounter b;
  Xoshiro256 ra(9);
  Xoshiro256 rb(9);
  std::vector<std::uint16_t> oa(1000);
  std::vector<std::uint16_t> ob(1000);
  a.count(expected, 0.0, ra, std::span<std::uint16_t>(oa));
  b.count(expected, 0.0, rb, std::span<std::uint16_t>(ob));
  EXPECT_EQ(oa, ob);
}

TEST(PoissonCounter, SaturatesAtTheTypesMaximum) {
  const std::vector<double> expected = {1000.0, 2.0, 1e6};
  PoissonCounter counter;
  Xoshiro256 rng(1);
  std::vector<std::uint8_t> out(3);
  counter.count(expected, 0.0, rng, std::span<std::uint8_t>(out));
  EXPECT_EQ(out[0], 255);
  EXPECT_LT(out[1], 255);
  EXPECT_EQ(out[2], 255);
}

TEST(PoissonCounter, RejectsBadInput) {
  PoissonCounter counter;
  Xoshiro256 rng(1);
  std::vector<std::uint16_t> out(2);
  EXPECT_THROW(counter.count(std::vector<double>{1.0}, 0.0, rng, std::span<std::uint16_t>(out)),
               std::invalid_argument);
  EXPECT_THROW(
      counter.count(std::vector<double>{1.0, -1.0}, 0.0, rng, std::span<std::uint16_t>(out)),
      std::invalid_argument);
  EXPECT_THROW(
      counter.count(std::vector<double>{1.0, NAN}, 0.0, rng, std::span<std::uint16_t>(out)),
      std::invalid_argument);
}

}  // namespace
}  // namespace edgeloop::sims
