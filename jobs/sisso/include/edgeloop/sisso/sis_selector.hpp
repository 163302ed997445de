// Sure independence screening over a stream of scored features: the nf_sis features SISSO would
// select, duplicates removed, in SISSO's order (best first, near-ties to the simpler feature).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "edgeloop/sisso/candidate.hpp"

namespace edgeloop::sisso {

struct ScoredFeature {
  Candidate candidate;
  std::string name;  // SISSO's spelling
  int complexity = 0;
  double score = 0.0;  // |correlation| with the screening target
  std::vector<double> values;
};

class SisSelector {
 public:
  // `keep` bounds the features held while streaming; more than nf_sis leaves room for the
  // duplicates the final step removes.
  SisSelector(std::size_t nf_sis, std::size_t keep);

  // Cheap pre-check, so that names and values are only built for features that can still
  // make the cut.
  bool worth_offering(double score) const { return score >= threshold_; }
  void offer(ScoredFeature feature);

  struct Result {
    std::vector<ScoredFeature> selected;
    // True when features may have been turned away while streaming and the duplicates
    // removal left fewer than nf_sis: the caller must screen again with a larger `keep`.
    bool needs_more_room = false;
  };
  Result finish() &&;

 private:
  void prune();

  std::size_t nf_sis_;
  std::size_t keep_;
  double threshold_ = -1.0;
  bool pruned_ = false;
  std::vector<ScoredFeature> features_;
};

}  // namespace edgeloop::sisso
