// The APT simulation's random generator and draws, defined here rather than by the standard
// distributions, whose output differs between standard libraries.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>

#include "edgeloop/sims/seeding.hpp"

namespace edgeloop::sims::detail {

// xoshiro256** (Blackman and Vigna): 256 bits of state, a period of 2^256 - 1, and several
// times faster than the Mersenne Twister, which matters at a dozen draws per atom. Satisfies
// UniformRandomBitGenerator.
class AptRng {
 public:
  using result_type = std::uint64_t;

  // The state is spread from the seed by SplitMix64, so seeds 1 and 2 give unrelated streams.
  explicit AptRng(std::uint64_t seed) {
    for (std::size_t i = 0; i < state_.size(); ++i) {
      state_[i] = mix64(seed + i * 0x9e3779b97f4a7c15ULL);
    }
  }

  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return std::numeric_limits<result_type>::max(); }

  result_type operator()() {
    const std::uint64_t result = rotl(state_[1] * 5U, 7) * 9U;
    const std::uint64_t t = state_[1] << 17U;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }

 private:
  static constexpr std::uint64_t rotl(std::uint64_t x, unsigned k) {
    return (x << k) | (x >> (64U - k));
  }

  std::array<std::uint64_t, 4> state_{};
};

// Uniform in [0, 1) with 53 random bits.
inline double unit(AptRng& rng) {
  return static_cast<double>(rng() >> 11U) * 0x1.0p-53;
}

// Uniform in (0, 1], safe to take the logarithm of.
inline double unit_open0(AptRng& rng) {
  return (static_cast<double>(rng() >> 11U) + 1.0) * 0x1.0p-53;
}

// Exponential with the given mean.
inline double exponential(AptRng& rng, double mean) {
  return -mean * std::log(unit_open0(rng));
}

// Standard normal by Box-Muller (one of the pair is used: simpler than caching the other, and
// the generator is cheap).
inline double normal(AptRng& rng) {
  const double r = std::sqrt(-2.0 * std::log(unit_open0(rng)));
  return r * std::cos(2.0 * std::numbers::pi * unit(rng));
}

// Poisson with mean mu >= 0 by inversion; meant for the small means of per-pulse counts (mu of
// order 1 or less), where it needs a couple of steps.
inline std::uint64_t small_poisson(AptRng& rng, double mu) {
  double p = std::exp(-mu);
  double cumulative = p;
  const double u = unit(rng);
  std::uint64_t k = 0;
  while (u > cumulative && p > 0.0) {
    ++k;
    p *= mu / static_cast<double>(k);
    cumulative += p;
  }
  return k;
}

// Poisson with mean mu >= 0 conditioned on being at least 1, by inversion.
inline std::uint64_t positive_poisson(AptRng& rng, double mu) {
  if (!(mu > 0.0)) return 1;
  const double e = std::exp(-mu);
  double p = e * mu;  // P(1), unnormalised
  double cumulative = p;
  const double u = unit(rng) * (1.0 - e);
  std::uint64_t k = 1;
  while (u > cumulative && p > 0.0) {
    ++k;
    p *= mu / static_cast<double>(k);
    cumulative += p;
  }
  return k;
}

// Poisson with any mean: inversion up to a mean of 30, above it the normal approximation
// (rounded, never negative), which is within a fraction of a percent there.
inline std::uint64_t poisson(AptRng& rng, double mu) {
  if (!(mu > 0.0)) return 0;
  if (mu <= 30.0) return small_poisson(rng, mu);
  const double x = std::round(mu + std::sqrt(mu) * normal(rng));
  return x > 0.0 ? static_cast<std::uint64_t>(x) : 0;
}

}  // namespace edgeloop::sims::detail
