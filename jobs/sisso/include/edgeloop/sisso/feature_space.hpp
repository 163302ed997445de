// SISSO's feature space for one training set: the stored rungs built and deduplicated once, then
// SIS screening against any target, the last rung regenerated on the fly each time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "edgeloop/sisso/candidate.hpp"
#include "edgeloop/sisso/candidate_rules.hpp"
#include "edgeloop/sisso/feature_evaluator.hpp"
#include "edgeloop/sisso/feature_store.hpp"
#include "edgeloop/sisso/settings.hpp"
#include "edgeloop/sisso/sis_selector.hpp"
#include "edgeloop/sisso/training_data.hpp"

namespace edgeloop::sisso {

struct SelectedFeature {
  Candidate candidate;
  std::string name;        // SISSO's spelling, e.g. "((IP_B/rp_A)/(rs_A)^2)"
  std::string expression;  // printed form, e.g. "(IP_B/rp_A)/rs_A^2"
  int complexity = 0;
  double score = 0.0;  // |correlation| with the screening target
  std::vector<double> values;
};

class FeatureSpace {
 public:
  // Builds the stored rungs. `data` and `settings` must outlive the space (it refers to them).
  // Needs an initialised Kokkos (KokkosScope).
  FeatureSpace(const TrainingData& data, const Settings& settings, const PrimaryUnits& units);
  ~FeatureSpace();
  FeatureSpace(const FeatureSpace&) = delete;
  FeatureSpace& operator=(const FeatureSpace&) = delete;

  // SIS: the `nf_sis` features best correlated with `target`, skipping those whose SISSO name
  // is in `rejected` (the ones selected for earlier dimensions), in SISSO's order.
  std::vector<SelectedFeature> screen(std::span<const double> target, std::size_t nf_sis,
                                      const std::set<std::string>& rejected);

  // Features per rung as SISSO counts them (rung 0 = the primary features) and their total.
  // Counting the last rung takes one pass over it unless screen() has already run.
  const std::vector<std::uint64_t>& rung_sizes();
  std::uint64_t size();

  const FeatureStore& store() const { return store_; }
  int rungs() const { return rung_; }

 private:
  struct PassCounts {
    std::uint64_t last_rung_features = 0;
  };
  void build_rung(int r);
  // Evaluates every candidate of the space once; `selector` may be null (counting only).
  PassCounts pass(SisSelector* selector, const std::set<std::string>& rejected);
  RungRules rules_for(int r) const;

  const TrainingData& data_;
  const Settings& settings_;
  int rung_;
  FeatureStore store_;
  FeatureEvaluator evaluator_;
  std::vector<double> target_centred_;  // of the screening in progress
  std::vector<std::uint64_t> rung_sizes_;
  bool last_rung_counted_ = false;
};

}  // namespace edgeloop::sisso
