// Evaluates batches of candidate features over all samples on the Kokkos execution space:
// SISSO's filters and selection bounds, the SIS score against a target and the fingerprint.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "edgeloop/sisso/candidate.hpp"
#include "edgeloop/sisso/feature_store.hpp"

namespace edgeloop::sisso {

enum class CandidateStatus : std::uint8_t {
  Rejected,    // not a feature for SISSO: constant, zero, or beyond 1e50 (infinite included)
  Kept,        // a feature, combined further, never selected: max|x| outside
               // [fmax_min, fmax_max], or NaN somewhere (see the kernel for SISSO's NaN rules)
  Selectable,  // a feature that SIS may select
};

struct CandidateOutcome {
  double score = -1.0;       // |correlation| with the target; only for Selectable
  double fingerprint = 0.0;  // see duplicates.hpp; for Kept and Selectable
  CandidateStatus status = CandidateStatus::Rejected;
};

class FeatureEvaluator {
 public:
  FeatureEvaluator(std::size_t samples, double fmax_min, double fmax_max);
  ~FeatureEvaluator();
  FeatureEvaluator(const FeatureEvaluator&) = delete;
  FeatureEvaluator& operator=(const FeatureEvaluator&) = delete;

  // Copies the values of the stored features (the operands) to the execution space; needed
  // again after the store has grown.
  void upload(const FeatureStore& store);
  // Target of the SIS score (the property, or the residual of the previous dimension); it is
  // centred here. Without a target no scores are computed.
  void set_target(std::span<const double> target);
  void clear_target();

  // Evaluates `batch`, writing one outcome per candidate and, when `values` is not empty
  // (batch.size() * samples doubles), the candidates' values, feature-major.
  void evaluate(std::span<const Candidate> batch, std::span<CandidateOutcome> outcomes,
                std::span<double> values = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace edgeloop::sisso
