// Bayesian optimisation (issue 6): median simple regret of edgeloop::bayes on Hartmann6 and
// Branin over many seeds, next to a Sobol (quasi-random) baseline in the same run.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "edgeloop/controllers/bayes/bayesian_optimizer.hpp"
#include "edgeloop/controllers/bayes/sobol.hpp"
#include "edgeloop/controllers/bayes/test_functions.hpp"

namespace {

using edgeloop::bayes::BayesianOptimizer;
using edgeloop::bayes::BoOptions;
using edgeloop::bayes::Interval;
using edgeloop::bayes::SobolSequence;
using Function = std::function<double(std::span<const double>)>;

struct Problem {
  std::string name;
  std::vector<Interval> bounds;
  Function f;
  double minimum;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// The upper quartile (nearest rank).
double upper_quartile(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[(3 * v.size()) / 4];
}

// The worst seed, so a good median cannot hide a run that got stuck.
double worst(const std::vector<double>& v) {
  return *std::max_element(v.begin(), v.end());
}

// Regret after each of `checkpoints` evaluations (simple regret: best so far minus optimum).
std::vector<double> run_bo(const Problem& p, std::uint64_t seed,
                           const std::vector<int>& checkpoints, std::size_t& fallbacks) {
  BoOptions o;
  o.seed = seed;
  BayesianOptimizer bo(p.bounds, o);
  std::vector<double> out;
  for (int i = 1; i <= checkpoints.back(); ++i) {
    const auto prop = bo.ask(1);
    bo.tell(prop[0].x, p.f(prop[0].x));
    if (std::find(checkpoints.begin(), checkpoints.end(), i) != checkpoints.end()) {
      out.push_back(bo.best()->second - p.minimum);
    }
  }
  fallbacks += bo.fallbacks();
  return out;
}

std::vector<double> run_sobol(const Problem& p, std::uint64_t seed,
                              const std::vector<int>& checkpoints) {
  const SobolSequence s(p.bounds.size(), seed);
  double best = 1e300;
  std::vector<double> out;
  for (int i = 1; i <= checkpoints.back(); ++i) {
    auto u = s.point(static_cast<std::uint64_t>(i));
    for (std::size_t j = 0; j < u.size(); ++j) {
      u[j] = p.bounds[j].lower + u[j] * (p.bounds[j].upper - p.bounds[j].lower);
    }
    best = std::min(best, p.f(u));
    if (std::find(checkpoints.begin(), checkpoints.end(), i) != checkpoints.end()) {
      out.push_back(best - p.minimum);
    }
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const int seeds = argc > 1 ? std::atoi(argv[1]) : 50;
  const std::vector<std::pair<Problem, std::vector<int>>> problems{
      {{"Hartmann6", std::vector<Interval>(6, {0.0, 1.0}), edgeloop::bayes::hartmann6,
        edgeloop::bayes::hartmann6_minimum},
       {30, 50}},
      {{"Branin",
        {{-5.0, 10.0}, {0.0, 15.0}},
        edgeloop::bayes::branin,
        edgeloop::bayes::branin_minimum},
       {30}},
  };
  std::printf("median simple regret over %d seeds (log-EI, q = 1, default options)\n\n", seeds);
  std::printf("%-10s %6s %10s %10s %10s %8s %10s %10s %9s\n", "problem", "evals", "BO", "BO p75",
              "BO worst", "BO<=0.3", "Sobol", "BO/Sobol", "BO s/run");
  for (const auto& [problem, checkpoints] : problems) {
    std::vector<std::vector<double>> bo(checkpoints.size()), sobol(checkpoints.size());
    std::size_t fallbacks = 0;
    const auto start = std::chrono::steady_clock::now();
    for (int s = 1; s <= seeds; ++s) {
      const auto r = run_bo(problem, static_cast<std::uint64_t>(s), checkpoints, fallbacks);
      for (std::size_t c = 0; c < r.size(); ++c) bo[c].push_back(r[c]);
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / seeds;
    for (int s = 1; s <= seeds; ++s) {
      const auto r = run_sobol(problem, static_cast<std::uint64_t>(s), checkpoints);
      for (std::size_t c = 0; c < r.size(); ++c) sobol[c].push_back(r[c]);
    }
    for (std::size_t c = 0; c < checkpoints.size(); ++c) {
      const double b = median(bo[c]);
      const double q = median(sobol[c]);
      std::printf("%-10s %6d %10.4f %10.4f %10.4f %5td/%-2d %10.4f %10.3f %9.2f\n",
                  problem.name.c_str(), checkpoints[c], b, upper_quartile(bo[c]), worst(bo[c]),
                  std::count_if(bo[c].begin(), bo[c].end(), [](double r) { return r <= 0.3; }),
                  seeds, q, b / q, seconds);
    }
    std::printf("  %s: %zu Sobol fallback proposals in all BO runs\n", problem.name.c_str(),
                fallbacks);
  }
  return 0;
}
