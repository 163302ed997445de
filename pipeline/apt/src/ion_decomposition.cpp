#include "edgeloop/pipeline/apt/ion_decomposition.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace edgeloop {

IonDecomposition::IonDecomposition(const formats::RangeTable& table)
    : range_count_(table.ranges().size()) {
  const auto add = [this](const std::string& symbol) {
    if (std::find(elements_.begin(), elements_.end(), symbol) == elements_.end()) {
      elements_.push_back(symbol);
    }
  };
  // The file's own order is what its author chose to read compositions in (base first, as a
  // rule); sorting by atomic number would reshuffle it.
  for (const std::string& ion : table.ions()) {
    for (const formats::Range& r : table.ranges()) {
      if (r.ion_name() == ion) {
        for (const formats::RangeComponent& c : r.composition) add(c.symbol);
      } else {
        for (const formats::RangeComponent& c : r.composition) {
          if (c.symbol == ion) add(c.symbol);
        }
      }
    }
  }
  for (const formats::Range& r : table.ranges()) {
    for (const formats::RangeComponent& c : r.composition) add(c.symbol);
  }
  atoms_.assign(range_count_ * elements_.size(), 0);
  for (std::size_t r = 0; r < range_count_; ++r) {
    for (const formats::RangeComponent& c : table.ranges()[r].composition) {
      const auto e = static_cast<std::size_t>(
          std::find(elements_.begin(), elements_.end(), c.symbol) - elements_.begin());
      atoms_[r * elements_.size() + e] += c.count;
    }
  }
}

std::span<const std::uint32_t> IonDecomposition::atoms_per_ion(std::size_t range) const {
  if (range >= range_count_) {
    throw std::out_of_range("IonDecomposition: range " + std::to_string(range) + " of " +
                            std::to_string(range_count_));
  }
  return std::span<const std::uint32_t>(atoms_).subspan(range * elements_.size(), elements_.size());
}

ElementComposition IonDecomposition::composition(std::span<const double> range_counts) const {
  if (range_counts.size() < range_count_) {
    throw std::invalid_argument("IonDecomposition: " + std::to_string(range_counts.size()) +
                                " counts for " + std::to_string(range_count_) + " ranges");
  }
  const std::size_t n = elements_.size();
  ElementComposition c;
  c.atoms.assign(n, 0.0);
  c.fraction.assign(n, 0.0);
  c.error.assign(n, 0.0);
  for (std::size_t r = 0; r < range_count_; ++r) {
    const double ions = std::max(range_counts[r], 0.0);
    for (std::size_t e = 0; e < n; ++e) c.atoms[e] += ions * atoms_[r * n + e];
  }
  for (const double a : c.atoms) c.total_atoms += a;
  if (c.total_atoms > 0.0) {
    for (std::size_t e = 0; e < n; ++e) {
      const double p = c.atoms[e] / c.total_atoms;
      c.fraction[e] = p;
      c.error[e] = std::sqrt(p * (1.0 - p) / c.total_atoms);
    }
  }
  return c;
}

}  // namespace edgeloop
