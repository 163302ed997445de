// SISSO's rule for equal features: keys (fingerprints of the values, or SIS scores) within 1e-8
// and values correlated with |r| > 0.99; of such equivalent features only the simplest is kept.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

namespace edgeloop::sisso {

// Pearson correlation of two equally long series; 0 when either is constant.
double correlation(std::span<const double> a, std::span<const double> b);

// SISSO's fingerprint of a feature: sqrt(sum_s (1 + 0.001 (s+1) + x_s)^2), equal for equal
// values and, thanks to the sample-dependent offsets, rarely equal otherwise.
double fingerprint(std::span<const double> values);

struct DedupEntry {
  double key = 0.0;
  int complexity = 0;
  std::string_view name;  // SISSO's spelling, for the tie-break
  std::span<const double> values;
};

inline constexpr double kDuplicateKeyTolerance = 1e-8;
inline constexpr double kDuplicateCorrelation = 0.99;

// Keep flags, one per entry: false for every entry equivalent to a simpler one. The result does
// not depend on the order of the entries (used for the SIS-selected features).
std::vector<bool> keep_distinct(std::span<const DedupEntry> entries);

// The same rule applied as SISSO applies it to a new rung: entries in generation order are
// inserted one by one into a list kept in descending key order by bisection, each compared with
// the list entries the bisection visits. A NaN key compares false with everything, as in
// SISSO's Fortran, so features that are NaN somewhere land out of order and some later
// duplicates are not found; replaying this is what gives SISSO's feature-space sizes when such
// features exist (octet14 at rung 3: 43.1 rather than 42.7 million).
std::vector<bool> keep_distinct_in_order(std::span<const DedupEntry> entries);

}  // namespace edgeloop::sisso
