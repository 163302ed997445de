// Sobol low-discrepancy sequence in up to 21 dimensions: initial designs and the fallback
// proposals of the Bayesian optimiser.
#pragma once

#include <cstdint>
#include <vector>

namespace edgeloop::bayes {

class SobolSequence {
 public:
  static constexpr std::size_t max_dimensions = 21;

  // `shift_seed` != 0 applies a random digital shift (XOR of every coordinate with a fixed
  // random word), which keeps the net's equidistribution but gives each seed its own points.
  explicit SobolSequence(std::size_t dimensions, std::uint64_t shift_seed = 0);

  std::size_t dimensions() const { return dimensions_; }
  // Point `index` of the sequence in [0, 1)^d; random access, so no state is needed.
  std::vector<double> point(std::uint64_t index) const;

 private:
  std::size_t dimensions_;
  std::vector<std::uint32_t> directions_;  // dimensions x 32
  std::vector<std::uint32_t> shift_;
};

}  // namespace edgeloop::bayes
