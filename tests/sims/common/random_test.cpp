#include "edgeloop/sims/random.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

namespace edgeloop::sims {
namespace {

static_assert(std::uniform_random_bit_generator<Xoshiro256>);

// The published algorithms written out a second time, as plainly as the papers give them: the
// generator must match them word for word, so a seed means the same stream everywhere.
std::uint64_t reference_splitmix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30U)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27U)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31U);
}

std::uint64_t rotl(std::uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}

std::uint64_t reference_xoshiro256starstar(std::array<std::uint64_t, 4>& s) {
  const std::uint64_t result = rotl(s[1] * 5, 7) * 9;
  const std::uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

TEST(Xoshiro256, MatchesTheReferenceAlgorithmsSeededBySplitMix64) {
  for (const std::uint64_t seed : {0ULL, 1ULL, 0xdeadbeefULL, ~0ULL}) {
    std::uint64_t x = seed;
    std::array<std::uint64_t, 4> state{};
    for (auto& word : state) word = reference_splitmix64(x);
    Xoshiro256 rng(seed);
    for (int k = 0; k < 1000; ++k) {
      ASSERT_EQ(rng(), reference_xoshiro256starstar(state)) << "seed " << seed << " draw " << k;
    }
  }
}

TEST(Xoshiro256, SplitMix64GivesItsPublishedFirstOutput) {
  // SplitMix64 started at 0 (Steele, Lea and Flood 2014; Vigna's splitmix64.c).
  std::uint64_t x = 0;
  EXPECT_EQ(reference_splitmix64(x), 0xe220a8397b1dcdafULL);
  EXPECT_EQ(detail::mix64(0), 0xe220a8397b1dcdafULL);
}

TEST(Xoshiro256, SameSeedSameStreamNearbySeedsUnrelated) {
  Xoshiro256 a(99);
  Xoshiro256 b(99);
  Xoshiro256 c(100);
  int same = 0;
  for (int k = 0; k < 1000; ++k) {
    const std::uint64_t x = a();
    EXPECT_EQ(x, b());
    same += x == c() ? 1 : 0;
  }
  EXPECT_EQ(same, 0);
}

// Sample mean and variance of n draws. The tests compare them with the distribution's at 6
// standard errors (the variance's from the fourth central moment m4), so a correct draw fails
// about once in 10⁸ runs.
struct Moments {
  double mean = 0.0;
  double variance = 0.0;
};

template <class Draw>
Moments moments(int n, Draw draw) {
  double sum = 0.0;
  double sum2 = 0.0;
  for (int k = 0; k < n; ++k) {
    const double x = draw();
    sum += x;
    sum2 += x * x;
  }
  const double m = sum / n;
  return {m, sum2 / n - m * m};
}

TEST(Uniform01, HalfOpenEitherWayWithTheRightMoments) {
  Xoshiro256 rng(7);
  constexpr int kN = 200000;
  double lowest = 1.0;
  double highest = 0.0;
  const Moments closed_open = moments(kN, [&] {
    const double u = uniform01(rng);
    lowest = std::min(lowest, u);
    highest = std::max(highest, u);
    return u;
  });
  EXPECT_GE(lowest, 0.0);
  EXPECT_LT(highest, 1.0);
  double nonzero_lowest = 1.0;
  double nonzero_highest = 0.0;
  const Moments open_closed = moments(kN, [&] {
    const double u = uniform01_nonzero(rng);
    nonzero_lowest = std::min(nonzero_lowest, u);
    nonzero_highest = std::max(nonzero_highest, u);
    return u;
  });
  EXPECT_GT(nonzero_lowest, 0.0);
  EXPECT_LE(nonzero_highest, 1.0);
  // Mean 1/2 and variance 1/12 (m4 = 1/80) at 6σ.
  for (const Moments& m : {closed_open, open_closed}) {
    EXPECT_NEAR(m.mean, 0.5, 6.0 * std::sqrt(1.0 / 12.0 / kN));
    EXPECT_NEAR(m.variance, 1.0 / 12.0, 6.0 * std::sqrt((1.0 / 80.0 - 1.0 / 144.0) / kN));
  }
}

TEST(Uniform01, UsesTheTop53BitsOfOneWord) {
  // The mapping is exact arithmetic, so it is the same on every platform.
  Xoshiro256 rng(3);
  Xoshiro256 copy(3);
  for (int k = 0; k < 100; ++k) {
    const std::uint64_t bits = copy() >> 11U;
    EXPECT_EQ(uniform01(rng), std::ldexp(static_cast<double>(bits), -53));
  }
}

TEST(UniformBelow, EveryValueEquallyLikelyAndInRange) {
  Xoshiro256 rng(11);
  for (const std::uint32_t n : {1U, 2U, 3U, 7U, 1000U}) {
    std::vector<int> seen(n, 0);
    const int draws = 2000 * static_cast<int>(n);
    for (int k = 0; k < draws; ++k) {
      const std::uint32_t v = uniform_below(rng, n);
      ASSERT_LT(v, n);
      ++seen[v];
    }
    // Each count is binomial(draws, 1/n): within 6σ.
    const double p = 1.0 / n;
    const double sigma = std::sqrt(draws * p * (1.0 - p));
    for (std::uint32_t v = 0; v < n; ++v) {
      EXPECT_NEAR(seen[v], draws * p, 6.0 * sigma + 1e-9) << "n " << n << " value " << v;
    }
  }
}

TEST(UniformBelow, ExtremeBounds) {
  Xoshiro256 rng(12);
  EXPECT_EQ(uniform_below(rng, 0), 0U);
  constexpr std::uint32_t kLargest = std::numeric_limits<std::uint32_t>::max();
  bool upper_half = false;
  for (int k = 0; k < 100; ++k) {
    const std::uint32_t v = uniform_below(rng, kLargest);
    EXPECT_LT(v, kLargest);
    upper_half = upper_half || v > kLargest / 2;
  }
  EXPECT_TRUE(upper_half);
}

TEST(Exponential, MeanAndVarianceOfTheMean) {
  Xoshiro256 rng(13);
  constexpr int kN = 200000;
  const double mean = 2.5;
  const Moments m = moments(kN, [&] { return exponential(rng, mean); });
  // Variance mean², m4 = 9 mean⁴.
  EXPECT_NEAR(m.mean, mean, 6.0 * mean / std::sqrt(kN));
  EXPECT_NEAR(m.variance, mean * mean, 6.0 * mean * mean * std::sqrt(8.0 / kN));
}

TEST(StandardNormal, MomentsAndTheShareWithinOneSigma) {
  Xoshiro256 rng(17);
  constexpr int kN = 200000;
  int within = 0;
  const Moments m = moments(kN, [&] {
    const double x = standard_normal(rng);
    within += std::abs(x) < 1.0 ? 1 : 0;
    return x;
  });
  EXPECT_NEAR(m.mean, 0.0, 6.0 / std::sqrt(kN));
  EXPECT_NEAR(m.variance, 1.0, 6.0 * std::sqrt(2.0 / kN));  // m4 = 3
  const double p = std::erf(1.0 / std::sqrt(2.0));
  EXPECT_NEAR(static_cast<double>(within) / kN, p, 6.0 * std::sqrt(p * (1.0 - p) / kN));
}

TEST(StandardNormal, APairIsTwoIndependentNormals) {
  Xoshiro256 rng(19);
  constexpr int kN = 200000;
  std::array<double, 2> sum{};
  std::array<double, 2> sum2{};
  double cross = 0.0;
  for (int k = 0; k < kN; ++k) {
    const auto [a, b] = standard_normal_pair(rng);
    sum[0] += a;
    sum[1] += b;
    sum2[0] += a * a;
    sum2[1] += b * b;
    cross += a * b;
  }
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_NEAR(sum[i] / kN, 0.0, 6.0 / std::sqrt(kN));
    EXPECT_NEAR(sum2[i] / kN, 1.0, 6.0 * std::sqrt(2.0 / kN));
  }
  EXPECT_NEAR(cross / kN, 0.0, 6.0 / std::sqrt(kN));
}

// Sample mean and variance of n Poisson draws against the mean, at 6σ, so a correct sampler
// fails about once in 10⁸ runs.
void check_poisson_moments(double mean, int n) {
  Xoshiro256 rng(1234);
  const Moments m = moments(n, [&] { return static_cast<double>(poisson(rng, mean)); });
  EXPECT_NEAR(m.mean, mean, 6.0 * std::sqrt(mean / n)) << "mean " << mean;
  // Var of the sample variance ≈ (μ + 2μ²)/n for a Poisson variable.
  EXPECT_NEAR(m.variance, mean, 6.0 * std::sqrt((mean + 2.0 * mean * mean) / n)) << "mean " << mean;
}

TEST(Poisson, MomentsOnBothSidesOfTheAlgorithmSwitch) {
  for (const double mean : {0.01, 0.7, 5.0, 11.9, 12.0, 40.0, 1e3, 1e6}) {
    check_poisson_moments(mean, 100000);
  }
}

TEST(Poisson, HugeMeansStayExact) {
  // PTRS costs the same at any mean; the relative spread is 1/sqrt(mean).
  check_poisson_moments(1e12, 20000);
}

TEST(Poisson, SmallMeansHaveTheRightZeroFraction) {
  Xoshiro256 rng(5);
  constexpr int kN = 200000;
  int zeros = 0;
  for (int k = 0; k < kN; ++k) zeros += poisson(rng, 0.5) == 0 ? 1 : 0;
  const double p0 = std::exp(-0.5);
  EXPECT_NEAR(static_cast<double>(zeros) / kN, p0, 6.0 * std::sqrt(p0 * (1 - p0) / kN));
}

TEST(Poisson, TheDistributionAroundTheSwitchMatchesTheProbabilities) {
  // Counts of each k against P(k) = e^-μ μ^k / k!, both sides of the switch at 12.
  for (const double mean : {11.5, 12.5}) {
    Xoshiro256 rng(21);
    constexpr int kN = 200000;
    std::vector<int> seen(64, 0);
    for (int k = 0; k < kN; ++k) {
      const std::uint64_t x = poisson(rng, mean);
      if (x < seen.size()) ++seen[x];
    }
    for (std::size_t k = 0; k < seen.size(); ++k) {
      const double kd = static_cast<double>(k);
      const double p = std::exp(-mean + kd * std::log(mean) - std::lgamma(kd + 1.0));
      EXPECT_NEAR(seen[k], kN * p, 6.0 * std::sqrt(kN * p * (1.0 - p)) + 1.0)
          << "mean " << mean << " k " << k;
    }
  }
}

TEST(Poisson, SameSeedSameSequence) {
  Xoshiro256 a(99);
  Xoshiro256 b(99);
  Xoshiro256 c(100);
  int differ = 0;
  for (int k = 0; k < 1000; ++k) {
    const double mean = 0.1 * k;
    const auto x = poisson(a, mean);
    EXPECT_EQ(x, poisson(b, mean));
    differ += x != poisson(c, mean) ? 1 : 0;
  }
  EXPECT_GT(differ, 500);
}

TEST(Poisson, DegenerateMeans) {
  Xoshiro256 rng(1);
  EXPECT_EQ(poisson(rng, 0.0), 0U);
  EXPECT_EQ(poisson(rng, -3.0), 0U);
  EXPECT_EQ(poisson(rng, std::nan("")), 0U);
  EXPECT_EQ(poisson(rng, -std::numeric_limits<double>::infinity()), 0U);
  // Beyond 1e15 the mean is capped: the draw is finite and about 1e15 (σ ≈ 3e7).
  for (const double huge : {1e300, std::numeric_limits<double>::infinity()}) {
    const auto x = static_cast<double>(poisson(rng, huge));
    EXPECT_NEAR(x, 1e15, 1e9) << huge;
  }
  EXPECT_LE(poisson(rng, std::numeric_limits<double>::denorm_min()), 1U);
}

TEST(PositivePoisson, NeverZeroWithTheTruncatedMean) {
  for (const double mean : {1e-6, 0.01, 0.5, 3.0, 11.9, 12.0, 40.0}) {
    Xoshiro256 rng(31);
    constexpr int kN = 100000;
    std::uint64_t smallest = ~0ULL;
    int ones = 0;
    const Moments m = moments(kN, [&] {
      const std::uint64_t x = positive_poisson(rng, mean);
      smallest = std::min(smallest, x);
      ones += x == 1 ? 1 : 0;
      return static_cast<double>(x);
    });
    EXPECT_GE(smallest, 1U) << "mean " << mean;
    // E[X | X >= 1] = μ / (1 - e^-μ); Var = E[X²|X>=1] - E² with E[X²] = μ + μ².
    const double norm = -std::expm1(-mean);
    const double expected = mean / norm;
    const double variance = std::max(0.0, (mean + mean * mean) / norm - expected * expected);
    EXPECT_NEAR(m.mean, expected, 6.0 * std::sqrt(variance / kN) + 1e-12) << "mean " << mean;
    const double p1 = mean * std::exp(-mean) / norm;
    EXPECT_NEAR(static_cast<double>(ones) / kN, p1, 6.0 * std::sqrt(p1 * (1.0 - p1) / kN) + 1e-12)
        << "mean " << mean;
  }
}

TEST(PositivePoisson, DegenerateMeansGiveOne) {
  Xoshiro256 rng(2);
  EXPECT_EQ(positive_poisson(rng, 0.0), 1U);
  EXPECT_EQ(positive_poisson(rng, -1.0), 1U);
  EXPECT_EQ(positive_poisson(rng, std::nan("")), 1U);
  // Large means no longer underflow e^-μ into a constant 1.
  EXPECT_GT(positive_poisson(rng, 1e4), 9000U);
}

}  // namespace
}  // namespace edgeloop::sims
