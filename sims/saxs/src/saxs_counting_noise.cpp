#include "edgeloop/sims/saxs_counting_noise.hpp"

#include <bit>
#include <cmath>

#include "edgeloop/sims/seeding.hpp"

namespace edgeloop::sims {
namespace {

// Below this mean, inversion (on average mean + 1 steps) beats rejection; PTRS is valid from 10.
constexpr double kInversionBelow = 12.0;
constexpr double kLargestMean = 1e15;

}  // namespace

CountingNoise::CountingNoise(std::uint64_t seed) {
  // Four different words from one seed; mix64 never maps all of them to zero.
  for (std::size_t k = 0; k < state_.size(); ++k) {
    state_[k] = detail::mix64(seed + 0x9e3779b97f4a7c15ULL * (k + 1));
  }
}

std::uint64_t CountingNoise::next() {
  const std::uint64_t result = std::rotl(state_[1] * 5U, 7) * 9U;
  const std::uint64_t t = state_[1] << 17U;
  state_[2] ^= state_[0];
  state_[3] ^= state_[1];
  state_[1] ^= state_[2];
  state_[0] ^= state_[3];
  state_[2] ^= t;
  state_[3] = std::rotl(state_[3], 45);
  return result;
}

double CountingNoise::uniform() {
  return static_cast<double>(next() >> 11U) * 0x1.0p-53;
}

std::uint64_t CountingNoise::poisson(double mean) {
  if (!(mean > 0.0)) return 0;
  if (mean >= kInversionBelow) return ptrs(std::min(mean, kLargestMean));
  // Inversion: walk the cumulative distribution until it passes a uniform draw.
  const double u = uniform();
  double p = std::exp(-mean);
  double cdf = p;
  std::uint64_t k = 0;
  // The cap only guards against a u within rounding of 1; the tail beyond it is < 1e-40.
  while (u > cdf && k < 200) {
    ++k;
    p *= mean / static_cast<double>(k);
    cdf += p;
  }
  return k;
}

std::uint64_t CountingNoise::ptrs(double mean) {
  // W. Hörmann, "The transformed rejection method for generating Poisson random variables",
  // Insurance: Mathematics and Economics 12 (1993) 39-45, algorithm PTRS.
  const double sqrt_mean = std::sqrt(mean);
  const double log_mean = std::log(mean);
  const double b = 0.931 + 2.53 * sqrt_mean;
  const double a = -0.059 + 0.02483 * b;
  const double inv_alpha = 1.1239 + 1.1328 / (b - 3.4);
  const double v_r = 0.9277 - 3.6224 / (b - 2.0);
  for (;;) {
    const double u = uniform() - 0.5;
    const double v = uniform();
    const double us = 0.5 - std::abs(u);
    const double k = std::floor((2.0 * a / us + b) * u + mean + 0.43);
    if (us >= 0.07 && v <= v_r) return static_cast<std::uint64_t>(k);
    if (k < 0.0 || (us < 0.013 && v > us)) continue;
    const double lhs = std::log(v * inv_alpha / (a / (us * us) + b));
    const double rhs = -mean + k * log_mean - std::lgamma(k + 1.0);
    if (lhs <= rhs) return static_cast<std::uint64_t>(k);
  }
}

}  // namespace edgeloop::sims
