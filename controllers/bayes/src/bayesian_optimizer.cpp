#include "edgeloop/controllers/bayes/bayesian_optimizer.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>

#include "edgeloop/controllers/bayes/lbfgs.hpp"
#include "edgeloop/core/sha256.hpp"

namespace edgeloop::bayes {
namespace {

Eigen::VectorXd lower_of(const std::vector<Interval>& b) {
  Eigen::VectorXd v(static_cast<Eigen::Index>(b.size()));
  for (std::size_t i = 0; i < b.size(); ++i) v[static_cast<Eigen::Index>(i)] = b[i].lower;
  return v;
}

Eigen::VectorXd upper_of(const std::vector<Interval>& b) {
  Eigen::VectorXd v(static_cast<Eigen::Index>(b.size()));
  for (std::size_t i = 0; i < b.size(); ++i) v[static_cast<Eigen::Index>(i)] = b[i].upper;
  return v;
}

void hash_doubles(Sha256& h, std::span<const double> values) {
  h.update(std::as_bytes(values));
}

}  // namespace

BayesianOptimizer::BayesianOptimizer(std::vector<Interval> bounds, BoOptions options)
    : bounds_(std::move(bounds)),
      options_(std::move(options)),
      lower_(lower_of(bounds_)),
      upper_(upper_of(bounds_)),
      sobol_(bounds_.empty() ? 1 : bounds_.size(), options_.seed),
      gp_(lower_, upper_) {
  if (bounds_.size() > SobolSequence::max_dimensions) {
    throw std::invalid_argument("BayesianOptimizer: at most 21 dimensions");
  }
  if (options_.acquisition == Acquisition::ucb && options_.travel_cost_per_unit != 0.0) {
    throw std::invalid_argument("BayesianOptimizer: travel cost needs log_ei or log_pi");
  }
  if (options_.travel_cost_per_unit < 0.0 || options_.batch == 0) {
    throw std::invalid_argument("BayesianOptimizer: negative travel cost or zero batch");
  }
  if (options_.initial_points == 0)
    options_.initial_points = std::max<std::size_t>(5, dimensions() + 2);
  options_.gp.seed = options_.seed;
}

void BayesianOptimizer::tell(std::span<const double> x, double y) {
  if (x.size() != dimensions()) throw std::invalid_argument("tell: wrong dimension");
  if (!std::isfinite(y)) throw std::invalid_argument("tell: objective value is not finite");
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i])) throw std::invalid_argument("tell: coordinate is not finite");
    if (x[i] < bounds_[i].lower || x[i] > bounds_[i].upper) {
      throw std::invalid_argument("tell: point outside the bounds");
    }
  }
  xs_.emplace_back(x.begin(), x.end());
  ys_.push_back(y);
  position_.reset();
}

void BayesianOptimizer::set_position(std::span<const double> x) {
  if (x.size() != dimensions()) throw std::invalid_argument("set_position: wrong dimension");
  position_ = Eigen::Map<const Eigen::VectorXd>(x.data(), static_cast<Eigen::Index>(x.size()));
}

std::optional<std::pair<std::vector<double>, double>> BayesianOptimizer::best() const {
  if (ys_.empty()) return std::nullopt;
  const auto it = options_.minimize ? std::min_element(ys_.begin(), ys_.end())
                                    : std::max_element(ys_.begin(), ys_.end());
  const auto i = static_cast<std::size_t>(it - ys_.begin());
  return std::pair{xs_[i], ys_[i]};
}

std::string BayesianOptimizer::state_hash() const {
  Sha256 h;
  h.update(std::as_bytes(std::span{&options_.seed, 1}));
  const Eigen::VectorXd theta = gp_.hyperparameters().pack();
  hash_doubles(h, std::span<const double>(theta.data(), static_cast<std::size_t>(theta.size())));
  for (const auto& x : xs_) hash_doubles(h, x);
  hash_doubles(h, ys_);
  const Sha256Digest d = h.finish();
  return to_hex(d);
}

std::vector<Proposal> BayesianOptimizer::sobol_proposals(std::size_t q, bool fallback,
                                                         const std::string& reason,
                                                         const std::string& hash) {
  std::vector<Proposal> out;
  for (std::size_t i = 0; i < q; ++i) {
    const std::vector<double> u = sobol_.point(sobol_index_++);
    const Eigen::VectorXd x = gp_.from_unit(
        Eigen::Map<const Eigen::VectorXd>(u.data(), static_cast<Eigen::Index>(u.size())));
    Proposal p;
    p.x.assign(x.data(), x.data() + x.size());
    p.fallback = fallback;
    p.reason = reason;
    p.model_state_hash = hash;
    out.push_back(std::move(p));
  }
  if (fallback) {
    fallbacks_ += q;
    if (options_.logger) {
      options_.logger->warn("bayes: {} Sobol fallback proposal(s) after {} observations: {}", q,
                            ys_.size(), reason);
    }
  }
  return out;
}

double BayesianOptimizer::acquisition_at(const GaussianProcess& gp, double incumbent,
                                         const Eigen::VectorXd& u,
                                         Eigen::VectorXd* gradient) const {
  Eigen::VectorXd dm;
  Eigen::VectorXd dv;
  const GpPrediction p = gradient ? gp.predict_unit(u, &dm, &dv) : gp.predict_unit(u);
  const double sd = std::sqrt(p.variance);
  AcquisitionValue a{};
  switch (options_.acquisition) {
    case Acquisition::log_ei:
      a = log_expected_improvement(p.mean, sd, incumbent);
      break;
    case Acquisition::ucb:
      a = upper_confidence_bound(p.mean, sd, options_.ucb_beta);
      break;
    case Acquisition::log_pi:
      a = log_probability_of_improvement(p.mean, sd, incumbent);
      break;
  }
  double value = a.value;
  if (gradient) *gradient = a.d_mean * dm + a.d_stddev * dv / (2.0 * sd);
  const Eigen::VectorXd* here = position_ ? &*position_ : nullptr;
  Eigen::VectorXd last;
  if (!here && !xs_.empty()) {
    last = Eigen::Map<const Eigen::VectorXd>(xs_.back().data(),
                                             static_cast<Eigen::Index>(xs_.back().size()));
    here = &last;
  }
  if (options_.travel_cost_per_unit > 0.0 && here) {
    const Eigen::VectorXd range = upper_ - lower_;
    const Eigen::VectorXd delta = lower_ + u.cwiseProduct(range) - *here;
    const double dist = delta.norm();
    const double cost = options_.travel_cost_per_unit * dist;
    value -= std::log1p(cost);
    if (gradient && dist > 0) {
      *gradient -= options_.travel_cost_per_unit / (1.0 + cost) / dist * delta.cwiseProduct(range);
    }
  }
  return value;
}

Eigen::VectorXd BayesianOptimizer::maximise_acquisition(const GaussianProcess& gp, double incumbent,
                                                        const Eigen::VectorXd& best_unit,
                                                        std::uint64_t salt, double& value,
                                                        std::vector<Alternative>* others) const {
  const auto d = static_cast<Eigen::Index>(dimensions());
  const SobolSequence raw(dimensions(), options_.seed * 0x9E3779B97F4A7C15ull + salt + 1);
  std::vector<std::pair<double, Eigen::VectorXd>> scored;
  for (int i = 0; i < options_.raw_samples; ++i) {
    const std::vector<double> p = raw.point(static_cast<std::uint64_t>(i));
    Eigen::VectorXd u = Eigen::Map<const Eigen::VectorXd>(p.data(), d);
    const double a = acquisition_at(gp, incumbent, u, nullptr);
    scored.emplace_back(std::isfinite(a) ? a : -std::numeric_limits<double>::infinity(), u);
  }
  const auto k =
      std::min<std::size_t>(static_cast<std::size_t>(options_.acquisition_restarts), scored.size());
  std::partial_sort(scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(k), scored.end(),
                    [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<Eigen::VectorXd> starts;
  for (std::size_t i = 0; i < k; ++i) starts.push_back(scored[i].second);
  // Near the incumbent, where local refinement usually pays off.
  std::mt19937_64 rng(options_.seed + salt);
  std::normal_distribution<double> noise(0.0, 0.02);
  for (int i = 0; i < 2; ++i) {
    Eigen::VectorXd u = best_unit;
    for (Eigen::Index j = 0; j < d; ++j) u[j] = std::clamp(u[j] + noise(rng), 0.0, 1.0);
    starts.push_back(u);
  }

  const Objective objective = [&](const Eigen::VectorXd& u, Eigen::VectorXd& g) {
    const double a = acquisition_at(gp, incumbent, u, &g);
    g = -g;
    return std::isfinite(a) ? -a : std::numeric_limits<double>::infinity();
  };
  const Eigen::VectorXd lo = Eigen::VectorXd::Zero(d);
  const Eigen::VectorXd hi = Eigen::VectorXd::Ones(d);
  LbfgsOptions lopt;
  lopt.max_iterations = 100;
  lopt.gradient_tolerance = 1e-7;
  value = -std::numeric_limits<double>::infinity();
  Eigen::VectorXd best = starts.front();
  std::vector<std::pair<double, Eigen::VectorXd>> optima;
  for (const auto& s : starts) {
    const LbfgsResult r = minimize_lbfgs(objective, s, lo, hi, lopt);
    if (!std::isfinite(r.value)) continue;
    optima.emplace_back(-r.value, r.x);
    if (-r.value > value) {
      value = -r.value;
      best = r.x;
    }
  }
  if (others != nullptr) {
    // Starts that converged to the chosen optimum (or to each other) are one alternative.
    std::stable_sort(optima.begin(), optima.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    std::vector<Eigen::VectorXd> seen{best};
    for (const auto& [a, u] : optima) {
      const bool repeat = std::any_of(seen.begin(), seen.end(), [&](const Eigen::VectorXd& v) {
        return (v - u).lpNorm<Eigen::Infinity>() < 1e-6;
      });
      if (repeat) continue;
      seen.push_back(u);
      const Eigen::VectorXd xo = gp.from_unit(u);
      others->push_back({std::vector<double>(xo.data(), xo.data() + xo.size()), a});
    }
  }
  return best;
}

std::vector<Proposal> BayesianOptimizer::ask(std::size_t q) {
  if (q == 0) q = options_.batch;
  if (ys_.size() < options_.initial_points) {
    return sobol_proposals(q, false, "initial design", state_hash());
  }
  const auto n = static_cast<Eigen::Index>(ys_.size());
  const auto d = static_cast<Eigen::Index>(dimensions());
  Eigen::MatrixXd x(n, d);
  Eigen::VectorXd y(n);
  const double sign = options_.minimize ? -1.0 : 1.0;  // the model maximises
  for (Eigen::Index i = 0; i < n; ++i) {
    const auto si = static_cast<std::size_t>(i);
    x.row(i) = Eigen::Map<const Eigen::RowVectorXd>(xs_[si].data(), d);
    y[i] = sign * ys_[si];
  }
  if (auto err = gp_.set_data(x, y)) {
    return sobol_proposals(q, true, "GP fit failed: " + *err, state_hash());
  }
  if (auto err = gp_.fit(options_.gp)) {
    return sobol_proposals(q, true, "GP fit failed: " + *err, state_hash());
  }
  const std::string hash = state_hash();

  std::vector<Proposal> out;
  GaussianProcess model = gp_;
  Eigen::MatrixXd xf = x;
  Eigen::VectorXd yf = y;
  const double worst = y.minCoeff();
  for (std::size_t i = 0; i < q; ++i) {
    Eigen::Index arg = 0;
    const double incumbent = yf.maxCoeff(&arg);
    const Eigen::VectorXd best_unit = model.to_unit(xf.row(arg).transpose());
    double value = 0;
    std::vector<Alternative> others;
    const Eigen::VectorXd u =
        maximise_acquisition(model, incumbent, best_unit, ys_.size() * 64 + i, value, &others);
    if (!std::isfinite(value)) {
      auto rest = sobol_proposals(q - i, true, "acquisition not finite anywhere", hash);
      out.insert(out.end(), rest.begin(), rest.end());
      return out;
    }
    const Eigen::VectorXd xo = model.from_unit(u);
    Proposal p;
    p.x.assign(xo.data(), xo.data() + xo.size());
    p.acquisition_value = value;
    p.reason = "acquisition";
    p.model_state_hash = hash;
    p.alternatives = std::move(others);
    out.push_back(std::move(p));
    if (i + 1 == q) break;
    // Fantasy observation at the chosen point, same hyperparameters.
    const double fantasy = options_.batch_strategy == BatchStrategy::kriging_believer
                               ? model.predict_unit(u).mean
                               : worst;
    xf.conservativeResize(xf.rows() + 1, Eigen::NoChange);
    xf.row(xf.rows() - 1) = xo.transpose();
    yf.conservativeResize(yf.size() + 1);
    yf[yf.size() - 1] = fantasy;
    if (model.set_data(xf, yf) || !model.condition(gp_.hyperparameters())) {
      auto rest =
          sobol_proposals(q - i - 1, true, "batch fantasy model failed: " + model.error(), hash);
      out.insert(out.end(), rest.begin(), rest.end());
      return out;
    }
  }
  return out;
}

}  // namespace edgeloop::bayes
