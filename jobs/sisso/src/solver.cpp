#include "edgeloop/sisso/solver.hpp"

#include <fmt/format.h>

#include <chrono>
#include <set>

#include "edgeloop/sisso/feature_space.hpp"
#include "edgeloop/sisso/input_error.hpp"
#include "edgeloop/sisso/kokkos_scope.hpp"
#include "edgeloop/sisso/l0_search.hpp"
#include "edgeloop/sisso/least_squares.hpp"

namespace edgeloop::sisso {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

SissoResult run_sisso(const TrainingData& data, const Settings& settings,
                      const Progress& progress) {
  const auto say = [&](std::string_view msg) {
    if (progress) progress(msg);
  };
  validate(settings);
  if (static_cast<std::size_t>(settings.desc_dim) >= data.samples()) {
    throw InputError(
        fmt::format("desc_dim {} needs more than {} samples", settings.desc_dim, data.samples()));
  }
  const PrimaryUnits units = resolve_primary_units(settings, data);
  const auto start = Clock::now();
  SissoResult result;
  result.execution_space = KokkosScope::execution_space();

  say(fmt::format("building the feature space (rung {}, fcomplexity {})", settings.rung(),
                  settings.fcomplexity));
  auto t = Clock::now();
  FeatureSpace space(data, settings, units);
  result.timings.feature_space_s = seconds_since(t);

  const std::size_t n = data.samples();
  std::vector<double> target = data.property;
  std::vector<SelectedFeature> union_features;
  std::vector<double> union_values;
  std::set<std::string> selected_names;
  bool space_exhausted = false;

  for (int dim = 1; dim <= settings.desc_dim; ++dim) {
    const std::size_t nf_sis = settings.nf_sis_for(dim);
    t = Clock::now();
    std::vector<SubspaceFeature> subspace;
    if (!space_exhausted) {
      say(fmt::format("D={}: screening for {} features", dim, nf_sis));
      auto selected = space.screen(target, nf_sis, selected_names);
      // As SISSO: once SIS cannot fill a subspace, the whole space has been selected.
      space_exhausted = selected.size() < nf_sis;
      for (auto& f : selected) {
        subspace.push_back({f.expression, f.name, f.complexity, f.score});
        selected_names.insert(f.name);
        union_values.insert(union_values.end(), f.values.begin(), f.values.end());
        union_features.push_back(std::move(f));
      }
    }
    if (dim == 1) {
      result.rung_sizes = space.rung_sizes();
      result.feature_space_size = space.size();
    }
    result.timings.sis_s.push_back(seconds_since(t));
    result.subspaces.push_back(std::move(subspace));
    if (union_features.size() < static_cast<std::size_t>(dim)) {
      throw InputError(
          fmt::format("D={}: only {} features could be selected", dim, union_features.size()));
    }

    say(fmt::format("D={}: l0 search over {} features", dim, union_features.size()));
    t = Clock::now();
    L0Options options;
    options.intercept = settings.fit_intercept;
    const L0Result best = l0_search(union_values, union_features.size(), data.property,
                                    static_cast<std::size_t>(dim), options);
    std::vector<std::span<const double>> columns;
    for (const std::size_t i : best.features) {
      columns.push_back(std::span<const double>(union_values).subspan(i * n, n));
    }
    LinearFit fit = fit_linear(columns, data.property, settings.fit_intercept);
    result.timings.l0_s.push_back(seconds_since(t));

    SissoModel model;
    model.dimension = dim;
    for (const std::size_t i : best.features) {
      const SelectedFeature& f = union_features[i];
      model.descriptors.push_back({f.expression, f.name, f.complexity, f.score});
    }
    model.union_indices = best.features;
    model.coefficients = fit.coefficients;
    model.intercept = fit.intercept;
    model.rmse = fit.rmse;
    model.max_abs_error = fit.max_abs_error;
    model.predictions = fit.predictions;
    model.combinations = best.combinations;
    model.refitted = best.refitted;
    model.degenerate = best.degenerate;
    say(fmt::format("D={}: RMSE {:.8f}", dim, model.rmse));
    // The next dimension screens against what this model leaves unexplained.
    for (std::size_t s = 0; s < n; ++s) target[s] = data.property[s] - fit.predictions[s];
    result.models.push_back(std::move(model));
  }
  result.union_values = std::move(union_values);
  result.timings.total_s = seconds_since(start);
  return result;
}

}  // namespace edgeloop::sisso
