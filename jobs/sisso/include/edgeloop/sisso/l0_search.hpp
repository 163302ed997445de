// Exhaustive ℓ0 search (SISSO's sparsifying operator) on Kokkos: the D features whose least-squares
// fit leaves the smallest residual, ranked via the Gram matrix, the best refitted exactly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace edgeloop::sisso {

struct L0Options {
  bool intercept = true;
  std::size_t prefixes_per_batch = std::size_t{1} << 16;  // work items per kernel launch
};

struct L0Result {
  std::vector<std::size_t> features;  // ascending indices into the feature set
  double rss = 0.0;                   // residual sum of squares of the exact fit
  std::uint64_t combinations = 0;     // combinations evaluated
  std::uint64_t degenerate = 0;       // skipped as collinear within 1e-12 (they cannot win)
  std::uint64_t refitted = 0;         // near-best combinations refitted exactly
};

// `features`: `count` features of `target.size()` samples each, feature-major. Of equally good
// combinations the first in lexicographic order wins, the order SISSO enumerates them in.
// Needs an initialised Kokkos (KokkosScope). Throws std::invalid_argument for a dimension of 0,
// above 8 or above `count`.
L0Result l0_search(std::span<const double> features, std::size_t count,
                   std::span<const double> target, std::size_t dimension,
                   const L0Options& options = {});

}  // namespace edgeloop::sisso
