// The one random generator and set of draws every simulated instrument uses, so that a seed gives
// the same specimen, frames, events and faults with every compiler and standard library.
#pragma once

#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numbers>

#include "edgeloop/sims/seeding.hpp"

namespace edgeloop::sims {

// xoshiro256** (Blackman and Vigna, 2018): 256 bits of state, a period of 2^256 - 1, and several
// times faster than std::mt19937_64, which matters at a few draws per pixel, electron or atom.
// The engines of <random> are specified bit for bit, but the distributions are not (libstdc++,
// libc++ and MSVC draw different numbers from one engine state), so the draws below are written
// out here instead. Satisfies UniformRandomBitGenerator. Not thread-safe: one per stream.
class Xoshiro256 {
 public:
  using result_type = std::uint64_t;

  // The state is the first four outputs of SplitMix64 started at the seed, as the xoshiro
  // authors recommend: nearby seeds (positions 3 and 4) give unrelated streams, and since mix64
  // is a bijection the four words differ, so the state is never all zero.
  explicit Xoshiro256(std::uint64_t seed) {
    for (std::size_t i = 0; i < state_.size(); ++i) {
      state_[i] = detail::mix64(seed + i * 0x9e3779b97f4a7c15ULL);
    }
  }

  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return std::numeric_limits<result_type>::max(); }

  result_type operator()() {
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

 private:
  std::array<std::uint64_t, 4> state_{};
};

// Uniform in [0, 1): the top 53 bits as the mantissa, every value a multiple of 2^-53.
inline double uniform01(Xoshiro256& rng) {
  return static_cast<double>(rng() >> 11U) * 0x1.0p-53;
}

// Uniform in (0, 1]: never 0, so its logarithm is finite.
inline double uniform01_nonzero(Xoshiro256& rng) {
  return (static_cast<double>(rng() >> 11U) + 1.0) * 0x1.0p-53;
}

// Uniform integer in [0, n), exactly (no modulo bias), for n >= 1 (0 gives 0). Lemire's
// multiply-and-shift on 32 random bits: the high half of x·n is the draw, and the rare low
// halves that would favour some values are redrawn (the division happens only then). 32 bits
// suffice for every index the simulators draw (pixels, bytes, phases) and keep the product in
// 64 bits, without compiler extensions.
inline std::uint32_t uniform_below(Xoshiro256& rng, std::uint32_t n) {
  std::uint64_t product = (rng() >> 32U) * std::uint64_t{n};
  auto low = static_cast<std::uint32_t>(product);
  if (low < n) {
    const std::uint32_t threshold = (0U - n) % n;  // 2^32 mod n; n > 0 here, as low < n
    while (low < threshold) {
      product = (rng() >> 32U) * std::uint64_t{n};
      low = static_cast<std::uint32_t>(product);
    }
  }
  return static_cast<std::uint32_t>(product >> 32U);
}

// Exponential with the given mean, by inversion.
inline double exponential(Xoshiro256& rng, double mean) {
  return -mean * std::log(uniform01_nonzero(rng));
}

// Standard normal (mean 0, variance 1) by Box-Muller. Only one of the pair is returned: keeping
// the other would make this a stateful object, and the generator is cheap.
inline double standard_normal(Xoshiro256& rng) {
  const double r = std::sqrt(-2.0 * std::log(uniform01_nonzero(rng)));
  return r * std::cos(2.0 * std::numbers::pi * uniform01(rng));
}

// Both of a Box-Muller pair: two independent standard normals for the price of one, for callers
// that need normals in twos (x and y of a position).
inline std::array<double, 2> standard_normal_pair(Xoshiro256& rng) {
  const double r = std::sqrt(-2.0 * std::log(uniform01_nonzero(rng)));
  const double angle = 2.0 * std::numbers::pi * uniform01(rng);
  return {r * std::cos(angle), r * std::sin(angle)};
}

// A Poisson variate of the given mean, exact at every mean: inversion below a mean of 12 (one
// uniform and about mean + 1 steps), Hörmann's transformed rejection (PTRS) from 12 (a couple
// of uniforms whatever the mean). 0 for a mean <= 0 or NaN; means above 1e15 are treated as
// 1e15 (counts that large saturate every detector and exhaust every specimen anyway). Only
// libm's exp, log and lgamma remain platform-dependent, in their last bits.
std::uint64_t poisson(Xoshiro256& rng, double mean);

// A Poisson variate of the given mean conditioned on being at least 1 (zero-truncated), e.g.
// the size of a burst known to have happened; 1 for a mean <= 0 or NaN (the limit).
std::uint64_t positive_poisson(Xoshiro256& rng, double mean);

}  // namespace edgeloop::sims
