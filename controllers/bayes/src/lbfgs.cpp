#include "edgeloop/controllers/bayes/lbfgs.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <vector>

namespace edgeloop::bayes {
namespace {

Eigen::VectorXd project(const Eigen::VectorXd& x, const Eigen::VectorXd& lower,
                        const Eigen::VectorXd& upper) {
  return x.cwiseMax(lower).cwiseMin(upper);
}

// Variables held at a bound by a gradient pointing out of the box take no part in the step.
Eigen::VectorXd free_mask(const Eigen::VectorXd& x, const Eigen::VectorXd& g,
                          const Eigen::VectorXd& lower, const Eigen::VectorXd& upper) {
  Eigen::VectorXd mask = Eigen::VectorXd::Ones(x.size());
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    if ((x[i] <= lower[i] && g[i] > 0) || (x[i] >= upper[i] && g[i] < 0)) mask[i] = 0;
  }
  return mask;
}

}  // namespace

LbfgsResult minimize_lbfgs(const Objective& f, Eigen::VectorXd x0, const Eigen::VectorXd& lower,
                           const Eigen::VectorXd& upper, const LbfgsOptions& options) {
  const Eigen::Index n = x0.size();
  Eigen::VectorXd x = project(x0, lower, upper);
  Eigen::VectorXd g(n);
  LbfgsResult result{x, f(x, g), 0, 1};
  double fx = result.value;
  if (!std::isfinite(fx) || !g.allFinite()) return result;

  std::deque<Eigen::VectorXd> s_hist;
  std::deque<Eigen::VectorXd> y_hist;
  std::deque<double> rho_hist;
  Eigen::VectorXd g_new(n);
  for (int iter = 0; iter < options.max_iterations; ++iter) {
    result.iterations = iter + 1;
    const Eigen::VectorXd mask = free_mask(x, g, lower, upper);
    const Eigen::VectorXd pg = g.cwiseProduct(mask);
    if (pg.lpNorm<Eigen::Infinity>() < options.gradient_tolerance) break;

    // Two-loop recursion on the free variables.
    Eigen::VectorXd q = pg;
    std::vector<double> alpha(s_hist.size());
    for (std::size_t i = s_hist.size(); i-- > 0;) {
      alpha[i] = rho_hist[i] * s_hist[i].cwiseProduct(mask).dot(q);
      q -= alpha[i] * y_hist[i].cwiseProduct(mask);
    }
    if (!s_hist.empty()) {
      const double gamma = s_hist.back().dot(y_hist.back()) / y_hist.back().squaredNorm();
      q *= gamma;
    } else {
      // First step: a unit move along the steepest descent, scaled to the box.
      q *= 1.0 / std::max(1.0, pg.lpNorm<Eigen::Infinity>());
    }
    for (std::size_t i = 0; i < s_hist.size(); ++i) {
      const double beta = rho_hist[i] * y_hist[i].cwiseProduct(mask).dot(q);
      q += (alpha[i] - beta) * s_hist[i].cwiseProduct(mask);
    }
    Eigen::VectorXd d = -q.cwiseProduct(mask);
    if (!(d.dot(pg) < 0) || !d.allFinite()) {
      // Curvature pairs gone stale: restart from the steepest descent.
      s_hist.clear();
      y_hist.clear();
      rho_hist.clear();
      d = -pg / std::max(1.0, pg.lpNorm<Eigen::Infinity>());
    }

    double step = 1.0;
    bool accepted = false;
    Eigen::VectorXd x_new;
    double f_new = 0;
    for (int backtrack = 0; backtrack < 40; ++backtrack) {
      x_new = project(x + step * d, lower, upper);
      f_new = f(x_new, g_new);
      ++result.evaluations;
      // Armijo condition along the projected path.
      if (std::isfinite(f_new) && g_new.allFinite() && f_new <= fx + 1e-4 * g.dot(x_new - x)) {
        accepted = true;
        break;
      }
      step *= 0.5;
    }
    if (!accepted) break;

    const Eigen::VectorXd s = x_new - x;
    const Eigen::VectorXd y = g_new - g;
    const double sy = s.dot(y);
    if (sy > 1e-12 * y.squaredNorm() && sy > 0) {
      s_hist.push_back(s);
      y_hist.push_back(y);
      rho_hist.push_back(1.0 / sy);
      if (static_cast<int>(s_hist.size()) > options.memory) {
        s_hist.pop_front();
        y_hist.pop_front();
        rho_hist.pop_front();
      }
    }
    const double decrease = fx - f_new;
    x = x_new;
    fx = f_new;
    g = g_new;
    if (decrease <= options.relative_tolerance * std::max(1.0, std::abs(fx))) break;
  }
  result.x = x;
  result.value = fx;
  return result;
}

}  // namespace edgeloop::bayes
