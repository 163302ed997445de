// Adaptive scanning (issue 6): error-vs-dose curves of the learned scan policy beside the
// raster-subsampled, random and GP-uncertainty baselines (and the ground-truth greedy oracle
// as a reference) on held-out simulated specimens, the ratios at 20 % of the probe positions,
// and the policy's decision latency on one CPU thread.
//
//   bench_scan [--specimens N] [--policy models/scan-policy.pt] [--max-fraction 0.5]
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "edgeloop/controllers/scan/scan_environment.hpp"
#include "edgeloop/controllers/scan/scan_evaluation.hpp"
#include "edgeloop/controllers/scan/scan_strategy.hpp"
#include "edgeloop/training/scan_ground_truth.hpp"
#include "edgeloop/training/scan_policy_training.hpp"

namespace {

using namespace edgeloop;

struct Stats {
  double mean = 0.0;
  double sd = 0.0;
};

Stats stats(const std::vector<double>& v) {
  Stats s;
  for (const double x : v) s.mean += x;
  s.mean /= static_cast<double>(v.size());
  for (const double x : v) s.sd += (x - s.mean) * (x - s.mean);
  s.sd = v.size() > 1 ? std::sqrt(s.sd / static_cast<double>(v.size() - 1)) : 0.0;
  return s;
}

double percentile(std::vector<std::int64_t> v, double p) {
  std::sort(v.begin(), v.end());
  const auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(v.size()))) - 1;
  return static_cast<double>(v[std::min(rank, v.size() - 1)]);
}

// The ground-truth greedy oracle: the position whose measurement lowers the error most.
std::vector<double> oracle_curve(std::uint32_t n, const std::vector<double>& truth,
                                 std::size_t count) {
  scan::ScanEnvironment env(n, n, truth, count);
  std::vector<double> error;
  for (const auto s : scan::seed_grid_positions(n, n)) error.push_back(env.step(s).error);
  while (!env.done()) {
    const auto gain = env.error_reductions();
    std::int64_t best = -1;
    for (std::size_t i = 0; i < gain.size(); ++i) {
      const auto index = static_cast<std::int64_t>(i);
      if (env.observation().available(index) &&
          (best < 0 || gain[i] > gain[static_cast<std::size_t>(best)])) {
        best = index;
      }
    }
    error.push_back(env.step(best).error);
  }
  return error;
}

}  // namespace

int main(int argc, char** argv) {
  int specimens = 8;
  std::string policy = "models/scan-policy.pt";
  double max_fraction = 0.5;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--specimens")
      specimens = std::atoi(argv[i + 1]);
    else if (flag == "--policy")
      policy = argv[i + 1];
    else if (flag == "--max-fraction")
      max_fraction = std::atof(argv[i + 1]);
    else {
      std::fprintf(stderr, "unknown option %s\n", flag.c_str());
      return 2;
    }
  }
  torch::set_num_threads(1);
  const ScanTruthSettings settings{};
  const std::uint32_t n = settings.nx;
  const std::size_t total = static_cast<std::size_t>(n) * n;
  const std::vector<double> fractions = {0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5};
  const auto count_at = [&](double f) {
    return static_cast<std::size_t>(std::lround(f * static_cast<double>(total)));
  };
  const std::size_t max_count = count_at(max_fraction);

  std::vector<std::vector<double>> truths;
  for (int i = 0; i < specimens; ++i) {
    truths.push_back(render_scan_truth(
        scan_specimen_seed(ScanSpecimenSet::HeldOut, 0, static_cast<std::size_t>(i)), settings));
  }
  // errors[strategy][fraction index][specimen]
  std::map<std::string, std::vector<std::vector<double>>> errors;
  std::map<std::string, std::vector<double>> raster_fraction;  // the sub-grid's real dose
  std::vector<std::int64_t> learned_ns;
  std::vector<std::int64_t> gp_ns;
  const std::vector<std::string> order = {"raster_subsampled", "random", "gp_uncertainty",
                                          "learned", "oracle (truth)"};
  for (const auto& name : order) errors[name].assign(fractions.size(), {});
  const auto seeds = scan::seed_grid_positions(n, n).size();
  for (std::size_t s = 0; s < truths.size(); ++s) {
    const auto& truth = truths[s];
    for (std::size_t f = 0; f < fractions.size(); ++f) {
      const auto grid = scan::raster_subsample_positions(n, n, count_at(fractions[f]));
      auto raster = scan::make_scan_strategy("raster_subsampled",
                                             {.nx = n, .ny = n, .positions = grid.size()});
      errors["raster_subsampled"][f].push_back(
          scan::run_scan_strategy(*raster, n, n, truth, grid.size()).error.back());
      if (s == 0) {
        raster_fraction["raster_subsampled"].push_back(static_cast<double>(grid.size()) /
                                                       static_cast<double>(total));
      }
    }
    for (const std::string name : {"random", "gp_uncertainty", "learned"}) {
      auto strategy = scan::make_scan_strategy(
          name, {.nx = n, .ny = n, .positions = max_count, .seed = 1000 + s, .policy = policy});
      const auto curve = scan::run_scan_strategy(*strategy, n, n, truth, max_count, true);
      for (std::size_t f = 0; f < fractions.size(); ++f) {
        errors[name][f].push_back(curve.error[count_at(fractions[f]) - 1]);
      }
      // Decisions of the policy proper (the seed grid costs nothing to choose).
      auto& ns = name == "learned" ? learned_ns : gp_ns;
      if (name != "random")
        ns.insert(ns.end(), curve.decision_ns.begin() + static_cast<long>(seeds),
                  curve.decision_ns.end());
    }
    const auto oracle = oracle_curve(n, truth, max_count);
    for (std::size_t f = 0; f < fractions.size(); ++f) {
      errors["oracle (truth)"][f].push_back(oracle[count_at(fractions[f]) - 1]);
    }
    std::fprintf(stderr, "specimen %zu/%zu done\n", s + 1, truths.size());
  }

  std::printf(
      "normalised RMSE (RMSE / truth range) of the nearest-neighbour reconstruction, "
      "mean ± sd over %d held-out specimens, %ux%u grid\n\n",
      specimens, n, n);
  std::printf(
      "| positions | raster-subsampled | random | GP-uncertainty | learned (RL) | oracle (truth) "
      "|\n");
  std::printf("|---|---|---|---|---|---|\n");
  for (std::size_t f = 0; f < fractions.size(); ++f) {
    std::printf("| %2.0f %% |", fractions[f] * 100.0);
    for (const auto& name : order) {
      const auto st = stats(errors[name][f]);
      if (name == "raster_subsampled") {
        std::printf(" %.4f ± %.4f (%.1f %%) |", st.mean, st.sd, raster_fraction[name][f] * 100.0);
      } else {
        std::printf(" %.4f ± %.4f |", st.mean, st.sd);
      }
    }
    std::printf("\n");
  }
  const auto at20 = static_cast<std::size_t>(std::find(fractions.begin(), fractions.end(), 0.2) -
                                             fractions.begin());
  const auto learned = stats(errors["learned"][at20]).mean;
  std::printf(
      "\nat 20 %%: learned / raster-subsampled = %.3f (goal <= 0.5), learned / random = "
      "%.3f (goal <= 0.7), learned / GP-uncertainty = %.3f, learned / oracle = %.3f\n",
      learned / stats(errors["raster_subsampled"][at20]).mean,
      learned / stats(errors["random"][at20]).mean,
      learned / stats(errors["gp_uncertainty"][at20]).mean,
      learned / stats(errors["oracle (truth)"][at20]).mean);
  std::printf("per specimen at 20 %%, learned / raster-subsampled:");
  int met = 0;
  for (std::size_t s = 0; s < truths.size(); ++s) {
    const double r = errors["learned"][at20][s] / errors["raster_subsampled"][at20][s];
    met += r <= 0.5 ? 1 : 0;
    std::printf(" %.2f", r);
  }
  std::printf(" (%d of %zu <= 0.5)\n", met, truths.size());
  std::printf(
      "decision latency, 1 CPU thread (%zu decisions): learned p50 %.3f ms, p99 %.3f ms, "
      "max %.3f ms; GP-uncertainty p50 %.2f ms, p99 %.2f ms\n",
      learned_ns.size(), percentile(learned_ns, 0.5) * 1e-6, percentile(learned_ns, 0.99) * 1e-6,
      static_cast<double>(*std::max_element(learned_ns.begin(), learned_ns.end())) * 1e-6,
      percentile(gp_ns, 0.5) * 1e-6, percentile(gp_ns, 0.99) * 1e-6);
  return 0;
}
