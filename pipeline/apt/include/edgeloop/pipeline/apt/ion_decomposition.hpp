// How ranged ions become a composition: each range's ion split into its atoms per the .rrng
// (AlH2 gives one Al and two H), and the atomic fractions of those atoms with counting errors.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "edgeloop/formats/rrng_file.hpp"

namespace edgeloop {

// Atomic fractions of a set of atoms. The error is the binomial counting error of a fraction
// estimated from total_atoms independent draws, sqrt(p (1 - p) / N); it covers the counting
// statistics only (not ranging or background choices, not detector losses).
struct ElementComposition {
  std::vector<double> atoms;     // per element
  std::vector<double> fraction;  // atoms / total_atoms; all 0 when there are no atoms
  std::vector<double> error;     // per element
  double total_atoms = 0.0;
};

class IonDecomposition {
 public:
  IonDecomposition() = default;
  // Elements are ordered by first appearance: the [Ions] list in file order (an ion declared
  // as a formula contributes its elements in formula order), then any element only a range
  // names.
  explicit IonDecomposition(const formats::RangeTable& table);

  const std::vector<std::string>& elements() const { return elements_; }
  std::size_t range_count() const { return range_count_; }
  // Atoms of each element in one ion of range r (ranges in RangeTable order).
  std::span<const std::uint32_t> atoms_per_ion(std::size_t range) const;

  // range_counts: ions per range, in RangeTable order (a trailing unranged entry is ignored).
  // Counts below 0 (an over-subtracted background) count as 0. std::invalid_argument when
  // there are fewer counts than ranges.
  ElementComposition composition(std::span<const double> range_counts) const;

 private:
  std::vector<std::string> elements_;
  std::size_t range_count_ = 0;
  std::vector<std::uint32_t> atoms_;  // [range][element]
};

}  // namespace edgeloop
