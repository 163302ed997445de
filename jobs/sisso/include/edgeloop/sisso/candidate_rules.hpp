// SISSO's feature-construction rules: the candidates one rung generates from a feature new in
// the previous rung, in SISSO's order, with SISSO's pruning (complexity, units, exp(log x), A*B/B).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "edgeloop/sisso/candidate.hpp"
#include "edgeloop/sisso/feature_store.hpp"
#include "edgeloop/sisso/operators.hpp"

namespace edgeloop::sisso {

struct RungRules {
  OperatorSet ops;
  int fcomplexity = 3;
  bool last_rung = false;  // SISSO skips B-A in the last rung (same model as A-B) and more
  bool dimensionless_transcendentals = true;
};

// The stored features a rung may combine, [0, partner_end), listed in ascending order for each
// complexity bound, so that a complex feature only visits the few partners simple enough to
// stay within fcomplexity (in a rung 3 space most pairs are over the limit).
class PartnerLists {
 public:
  PartnerLists(const FeatureStore& store, std::size_t partner_end, int fcomplexity);
  std::size_t end() const { return end_; }
  // Ascending indices of the partners with complexity ≤ max_complexity (empty when < 0).
  std::span<const std::int32_t> up_to(int max_complexity) const;

 private:
  std::size_t end_;
  std::vector<std::vector<std::int32_t>> lists_;  // by complexity bound
};

// Appends the candidates generated from stored feature `i`, one of the features new in the
// previous rung, [new_begin, partners.end()): its unary transforms, then its binary
// combinations with every partner except new ones at or before `i`, so that each pair is
// visited once.
void append_candidates(const FeatureStore& store, const RungRules& rules, std::size_t new_begin,
                       const PartnerLists& partners, std::size_t i, std::vector<Candidate>& out);

}  // namespace edgeloop::sisso
