// The features kept in memory while the space is built (primaries and the deduplicated rungs
// below the last), with their values, unit, complexity and SISSO's spelling of them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "edgeloop/sisso/operators.hpp"
#include "edgeloop/sisso/unit.hpp"

namespace edgeloop::sisso {

struct FeatureNode {
  Op op = Op::Primary;
  std::int32_t first = -1;   // operands in SISSO's written order: (first op second)
  std::int32_t second = -1;  // -1 for unary operators and primary features
  int complexity = 0;        // number of operators
  int rung = 0;
  Unit unit;
  std::string name;  // SISSO's spelling, e.g. "((IP_B/rp_A)/(rs_A)^2)"
  // Filled by FeatureStore::add from the values, for SISSO's domain rules.
  double min_value = 0.0;  // sqrt and log need min > 0
  double min_abs = 0.0;    // ^-1 and / need min|x| > 1e-50
  // For a product A*B: the stored features by which SISSO will not divide it (A*B/B, A*B/A).
  std::int32_t no_divide_by_first = -1;
  std::int32_t no_divide_by_second = -1;
};

class FeatureStore {
 public:
  explicit FeatureStore(std::size_t samples);

  std::size_t samples() const { return samples_; }
  std::size_t size() const { return nodes_.size(); }
  const FeatureNode& node(std::size_t i) const { return nodes_.at(i); }
  std::span<const double> values(std::size_t i) const {
    return {values_.data() + i * samples_, samples_};
  }
  std::span<const double> all_values() const { return values_; }  // feature-major

  // Appends a feature of the rung being built; returns its index.
  std::size_t add(FeatureNode node, std::span<const double> values);
  // Ends the current rung: features added from now on belong to the next one.
  void close_rung();
  int rungs() const { return static_cast<int>(rung_ends_.size()); }  // closed rungs
  std::size_t rung_begin(int r) const;
  std::size_t rung_end(int r) const;

 private:
  std::size_t samples_;
  std::vector<FeatureNode> nodes_;
  std::vector<double> values_;
  std::vector<std::size_t> rung_ends_;
};

}  // namespace edgeloop::sisso
