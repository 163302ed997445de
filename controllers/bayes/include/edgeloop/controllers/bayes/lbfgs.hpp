// Box-constrained L-BFGS (projected two-loop recursion with a backtracking Armijo search):
// fits GP hyperparameters and maximises acquisitions.
#pragma once

#include <Eigen/Dense>
#include <functional>

namespace edgeloop::bayes {

// Returns f(x) and writes its gradient; a non-finite value makes the line search step back.
using Objective = std::function<double(const Eigen::VectorXd& x, Eigen::VectorXd& gradient)>;

struct LbfgsOptions {
  int max_iterations = 100;
  int memory = 8;
  double gradient_tolerance = 1e-6;   // on the projected gradient's infinity norm
  double relative_tolerance = 1e-10;  // on the decrease of f per iteration
};

struct LbfgsResult {
  Eigen::VectorXd x;
  double value;
  int iterations;
  int evaluations;
};

// Minimises f over [lower, upper] from x0 (clamped into the box first).
LbfgsResult minimize_lbfgs(const Objective& f, Eigen::VectorXd x0, const Eigen::VectorXd& lower,
                           const Eigen::VectorXd& upper, const LbfgsOptions& options = {});

}  // namespace edgeloop::bayes
