#include "edgeloop/sims/random.hpp"

#include <algorithm>
#include <cmath>

namespace edgeloop::sims {
namespace {

// Below this mean, inversion (on average mean + 1 steps) beats rejection; PTRS is valid from 10.
constexpr double kInversionBelow = 12.0;
constexpr double kLargestMean = 1e15;
// Inversion stops here: only a uniform within rounding of 1 gets this far (the sums of the
// probabilities fall short of 1 by a few ulps), and below a mean of 12 the tail beyond it is
// < 1e-40.
constexpr std::uint64_t kInversionSteps = 200;

// The smallest k >= k0 whose cumulative probability, starting from P(k0) = p, passes u.
std::uint64_t invert(double u, double mean, std::uint64_t k0, double p) {
  double cdf = p;
  std::uint64_t k = k0;
  while (u > cdf && k < kInversionSteps) {
    ++k;
    p *= mean / static_cast<double>(k);
    cdf += p;
  }
  return k;
}

// W. Hörmann, "The transformed rejection method for generating Poisson random variables",
// Insurance: Mathematics and Economics 12 (1993) 39-45, algorithm PTRS, for mean >= 10.
std::uint64_t ptrs(Xoshiro256& rng, double mean) {
  const double sqrt_mean = std::sqrt(mean);
  const double log_mean = std::log(mean);
  const double b = 0.931 + 2.53 * sqrt_mean;
  const double a = -0.059 + 0.02483 * b;
  const double inv_alpha = 1.1239 + 1.1328 / (b - 3.4);
  const double v_r = 0.9277 - 3.6224 / (b - 2.0);
  for (;;) {
    const double u = uniform01(rng) - 0.5;
    const double v = uniform01(rng);
    const double us = 0.5 - std::abs(u);
    const double k = std::floor((2.0 * a / us + b) * u + mean + 0.43);
    if (us >= 0.07 && v <= v_r) return static_cast<std::uint64_t>(k);
    if (k < 0.0 || (us < 0.013 && v > us)) continue;
    const double lhs = std::log(v * inv_alpha / (a / (us * us) + b));
    const double rhs = -mean + k * log_mean - std::lgamma(k + 1.0);
    if (lhs <= rhs) return static_cast<std::uint64_t>(k);
  }
}

}  // namespace

std::uint64_t poisson(Xoshiro256& rng, double mean) {
  if (!(mean > 0.0)) return 0;
  if (mean >= kInversionBelow) return ptrs(rng, std::min(mean, kLargestMean));
  return invert(uniform01(rng), mean, 0, std::exp(-mean));
}

std::uint64_t positive_poisson(Xoshiro256& rng, double mean) {
  if (!(mean > 0.0)) return 1;
  if (mean >= kInversionBelow) {
    // A zero has a probability below 1e-5 here: rejecting it costs nothing.
    for (;;) {
      const std::uint64_t k = poisson(rng, mean);
      if (k > 0) return k;
    }
  }
  // Inversion of the truncated distribution: P(k | k >= 1) = P(k) / (1 - e^-mean), the
  // normalisation moved onto the uniform. expm1 keeps it exact for the tiny means of per-pulse
  // rates, where 1 - e^-mean would cancel.
  const double u = uniform01(rng) * -std::expm1(-mean);
  return invert(u, mean, 1, mean * std::exp(-mean));
}

}  // namespace edgeloop::sims
