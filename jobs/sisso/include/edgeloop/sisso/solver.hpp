// One SISSO run end to end: the feature space, then per dimension a SIS subspace (against the
// property, then the previous model's residual) and the ℓ0 search over all subspaces so far.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "edgeloop/sisso/settings.hpp"
#include "edgeloop/sisso/training_data.hpp"

namespace edgeloop::sisso {

struct SubspaceFeature {
  std::string expression;  // printed form
  std::string name;        // SISSO's spelling
  int complexity = 0;
  double score = 0.0;  // |correlation| with that dimension's screening target
};

struct SissoModel {
  int dimension = 0;
  std::vector<SubspaceFeature> descriptors;
  std::vector<std::size_t> union_indices;  // positions in the union of the subspaces
  std::vector<double> coefficients;
  double intercept = 0.0;
  double rmse = 0.0;
  double max_abs_error = 0.0;
  std::vector<double> predictions;
  std::uint64_t combinations = 0;  // fits evaluated by the ℓ0 search
  std::uint64_t refitted = 0;
  std::uint64_t degenerate = 0;
};

struct SissoTimings {
  double feature_space_s = 0.0;  // building the stored rungs
  std::vector<double> sis_s;     // per dimension (the first also counts the last rung)
  std::vector<double> l0_s;      // per dimension
  double total_s = 0.0;
};

struct SissoResult {
  std::vector<std::uint64_t> rung_sizes;  // features per rung as SISSO counts them
  std::uint64_t feature_space_size = 0;
  std::vector<std::vector<SubspaceFeature>> subspaces;  // per dimension, in SIS order
  // Sample values of every subspace feature, feature-major, in the order of `subspaces`
  // (dimension 1 first): the union the ℓ0 search ran over, for refits and predictions.
  std::vector<double> union_values;
  std::vector<SissoModel> models;  // per dimension
  SissoTimings timings;
  std::string execution_space;
};

using Progress = std::function<void(std::string_view)>;

// Needs an initialised Kokkos (KokkosScope). Throws InputError when the settings do not fit
// the data (units, nsf, a dimension larger than the features available).
SissoResult run_sisso(const TrainingData& data, const Settings& settings,
                      const Progress& progress = {});

}  // namespace edgeloop::sisso
