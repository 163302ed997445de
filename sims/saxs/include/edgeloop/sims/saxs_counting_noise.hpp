// Photon-counting noise: Poisson-distributed counts from a seeded generator whose algorithms are
// fixed here, so a seed gives the same frame with every standard library.
#pragma once

#include <array>
#include <cstdint>

namespace edgeloop::sims {

// std::poisson_distribution and std::uniform_real_distribution are not specified bit for bit,
// so frames drawn with them differ between libstdc++ and libc++. This draws from xoshiro256**
// (seeded through SplitMix64) and uses inversion below a mean of 12 and Hörmann's transformed
// rejection (PTRS, 1993) above: exact Poisson variates at a cost that does not grow with the
// mean. Only libm's exp/log/lgamma remain platform-dependent, in their last bits.
//
// Not thread-safe: one generator per frame being drawn.
class CountingNoise {
 public:
  explicit CountingNoise(std::uint64_t seed);

  std::uint64_t next();
  // Uniform in [0, 1), 53 random bits.
  double uniform();
  // A Poisson variate of the given mean; 0 for a mean <= 0 or NaN. Means above 1e15 are
  // treated as 1e15 (counts that large saturate every detector type anyway).
  std::uint64_t poisson(double mean);

 private:
  std::uint64_t ptrs(double mean);

  std::array<std::uint64_t, 4> state_{};
};

}  // namespace edgeloop::sims
