// Ask/tell Bayesian optimiser: proposes the next instrument settings from a GP surrogate and
// an acquisition function, falling back to Sobol points (and saying so) when the fit fails.
#pragma once

#include <spdlog/logger.h>

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "edgeloop/controllers/bayes/acquisition.hpp"
#include "edgeloop/controllers/bayes/gaussian_process.hpp"
#include "edgeloop/controllers/bayes/sobol.hpp"

namespace edgeloop::bayes {

struct Interval {
  double lower;
  double upper;
};

// How the points after the first of a batch are chosen: condition the model on a fantasy
// observation at each chosen point, either its posterior mean (kriging believer) or the worst
// value seen so far (constant liar, pessimistic), and maximise the acquisition again.
enum class BatchStrategy { kriging_believer, constant_liar };

struct BoOptions {
  Acquisition acquisition = Acquisition::log_ei;
  double ucb_beta = 4.0;
  std::size_t batch = 1;  // default q of ask()
  BatchStrategy batch_strategy = BatchStrategy::kriging_believer;
  std::uint64_t seed = 1;
  std::size_t initial_points = 0;  // Sobol design size; 0 means max(5, dimensions + 2)
  bool minimize = true;
  // Travel-cost weighting: the acquisition gain is divided by 1 + travel_cost_per_unit * the
  // Euclidean distance (original units) from the current position (set_position(), else the
  // last told point). Applied in log space (log EI, log PI: subtract log1p(cost)); UCB has no
  // positive gain to divide, so the combination is rejected.
  double travel_cost_per_unit = 0.0;
  int raw_samples = 512;         // Sobol candidates scored before the L-BFGS starts
  int acquisition_restarts = 5;  // best raw candidates used as L-BFGS starts
  GpFitOptions gp;
  std::shared_ptr<spdlog::logger> logger;  // fallbacks are logged at warn; null: not logged
};

// A local optimum of the acquisition function that was not chosen, for the decision record.
struct Alternative {
  std::vector<double> x;  // original units
  double acquisition_value;
};

struct Proposal {
  std::vector<double> x;                                                // original units
  double acquisition_value = std::numeric_limits<double>::quiet_NaN();  // NaN for Sobol points
  bool fallback = false;         // true when a failed model fit forced a Sobol point
  std::string reason;            // "initial design", "acquisition", or why the fallback engaged
  std::string model_state_hash;  // SHA-256 hex of seed, hyperparameters and data
  // The other local optima the acquisition search found (best first, distinct points);
  // empty for Sobol points.
  std::vector<Alternative> alternatives;
};

class BayesianOptimizer {
 public:
  BayesianOptimizer(std::vector<Interval> bounds, BoOptions options = {});

  // q proposals (q = 0: options.batch). Deterministic given the seed and the tells.
  std::vector<Proposal> ask(std::size_t q = 0);
  // Records an observation; std::invalid_argument for a wrong dimension, a non-finite value or
  // a point outside the bounds.
  void tell(std::span<const double> x, double y);
  void set_position(std::span<const double> x);

  std::size_t dimensions() const { return bounds_.size(); }
  std::size_t observations() const { return ys_.size(); }
  std::uint64_t seed() const { return options_.seed; }
  std::size_t fallbacks() const { return fallbacks_; }
  // Best observation so far (by the optimisation direction), if any.
  std::optional<std::pair<std::vector<double>, double>> best() const;
  const GaussianProcess& model() const { return gp_; }

 private:
  std::vector<Proposal> sobol_proposals(std::size_t q, bool fallback, const std::string& reason,
                                        const std::string& hash);
  std::string state_hash() const;
  Eigen::VectorXd maximise_acquisition(const GaussianProcess& gp, double incumbent,
                                       const Eigen::VectorXd& best_unit, std::uint64_t salt,
                                       double& value, std::vector<Alternative>* others) const;
  double acquisition_at(const GaussianProcess& gp, double incumbent, const Eigen::VectorXd& u,
                        Eigen::VectorXd* gradient) const;

  std::vector<Interval> bounds_;
  BoOptions options_;
  Eigen::VectorXd lower_;
  Eigen::VectorXd upper_;
  SobolSequence sobol_;
  std::uint64_t sobol_index_ = 1;  // point 0 is the cube's corner, a poor first experiment
  std::vector<std::vector<double>> xs_;
  std::vector<double> ys_;
  std::optional<Eigen::VectorXd> position_;
  GaussianProcess gp_;
  std::size_t fallbacks_ = 0;
};

}  // namespace edgeloop::bayes
