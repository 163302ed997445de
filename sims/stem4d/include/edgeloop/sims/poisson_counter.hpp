// Turns a map of expected counts into the counts a pixelated electron-counting detector
// records: independent Poisson numbers per pixel, plus uniform dark counts, saturating.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "edgeloop/sims/random.hpp"

namespace edgeloop::sims {

// Bright pixels get a Poisson draw each. The dim rest share one draw of their total, and its
// electrons are dropped one by one on pixels chosen in proportion to their expectation (an
// alias table makes each choice O(1)): a Poisson process split this way gives exactly the same
// independent per-pixel Poisson counts, at a cost set by the electrons, not the pixels. Dark
// counts are dropped the same way, uniformly. Every draw is one of random.hpp's, so a generator
// state gives the same counts with every standard library. Reuses its tables: one counter per
// thread.
class PoissonCounter {
 public:
  // Pixels expecting fewer counts than this are counted electron by electron.
  static constexpr double kDimBelow = 4.0;

  // Requires out.size() == expected.size() > 0 and expected >= 0 (std::invalid_argument).
  void count(std::span<const double> expected, double dark_per_pixel, Xoshiro256& rng,
             std::span<std::uint8_t> out);
  void count(std::span<const double> expected, double dark_per_pixel, Xoshiro256& rng,
             std::span<std::uint16_t> out);
  void count(std::span<const double> expected, double dark_per_pixel, Xoshiro256& rng,
             std::span<std::uint32_t> out);

 private:
  template <class T>
  void count_typed(std::span<const double> expected, double dark_per_pixel, Xoshiro256& rng,
                   std::span<T> out);
  // Builds the alias table over dim_ from weights_; returns their total.
  double build_alias();

  std::vector<std::uint32_t> dim_;  // indices of the dim pixels
  std::vector<double> weights_;     // their expectations, then the alias probabilities
  std::vector<std::uint32_t> alias_;
  std::vector<std::uint32_t> small_;
  std::vector<std::uint32_t> large_;
};

}  // namespace edgeloop::sims
