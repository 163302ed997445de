#include "edgeloop/controllers/bayes/gaussian_process.hpp"

#include <cmath>
#include <limits>
#include <numbers>
#include <random>
#include <stdexcept>

#include "edgeloop/controllers/bayes/lbfgs.hpp"

namespace edgeloop::bayes {
namespace {

constexpr double kSqrt5 = 2.2360679774997896964;

// Jitter added to the diagonal in turn until the Cholesky factorisation succeeds.
constexpr double kJitters[] = {0.0, 1e-10, 1e-9, 1e-8, 1e-7, 1e-6, 1e-5, 1e-4};

bool factorise(const Eigen::MatrixXd& k, Eigen::LLT<Eigen::MatrixXd>& llt, double& jitter) {
  const auto n = k.rows();
  for (double j : kJitters) {
    llt.compute(k + j * Eigen::MatrixXd::Identity(n, n));
    if (llt.info() == Eigen::Success && llt.matrixLLT().diagonal().allFinite() &&
        (llt.matrixLLT().diagonal().array() > 0).all()) {
      jitter = j;
      return true;
    }
  }
  return false;
}

// Gamma(a, b) log density of exp(theta), up to a constant, and its derivative in theta.
void gamma_log_prior(double theta, double a, double b, double& value, double& derivative) {
  const double v = std::exp(theta);
  value += (a - 1.0) * theta - b * v;
  derivative = (a - 1.0) - b * v;
}

}  // namespace

Eigen::VectorXd GpHyperparameters::pack() const {
  Eigen::VectorXd theta(log_length_scales.size() + 2);
  theta[0] = log_signal_variance;
  theta.segment(1, log_length_scales.size()) = log_length_scales;
  theta[theta.size() - 1] = log_noise_variance;
  return theta;
}

GpHyperparameters GpHyperparameters::unpack(const Eigen::VectorXd& theta) {
  GpHyperparameters h;
  h.log_signal_variance = theta[0];
  h.log_length_scales = theta.segment(1, theta.size() - 2);
  h.log_noise_variance = theta[theta.size() - 1];
  return h;
}

GaussianProcess::GaussianProcess(Eigen::VectorXd lower, Eigen::VectorXd upper)
    : lower_(std::move(lower)), upper_(std::move(upper)) {
  if (lower_.size() == 0 || lower_.size() != upper_.size() ||
      !(upper_.array() > lower_.array()).all() || !lower_.allFinite() || !upper_.allFinite()) {
    throw std::invalid_argument("GaussianProcess: bounds must be finite with lower < upper");
  }
  hyper_.log_length_scales = Eigen::VectorXd::Constant(lower_.size(), std::log(0.3));
}

Eigen::VectorXd GaussianProcess::to_unit(const Eigen::VectorXd& x) const {
  return (x - lower_).cwiseQuotient(upper_ - lower_);
}

Eigen::VectorXd GaussianProcess::from_unit(const Eigen::VectorXd& u) const {
  return lower_ + u.cwiseProduct(upper_ - lower_);
}

std::optional<std::string> GaussianProcess::set_data(const Eigen::MatrixXd& x,
                                                     const Eigen::VectorXd& y) {
  if (x.rows() != y.size() || x.cols() != lower_.size()) {
    throw std::invalid_argument("GaussianProcess: data shape");
  }
  conditioned_ = false;
  x_.resize(x.rows(), x.cols());
  for (Eigen::Index i = 0; i < x.rows(); ++i) x_.row(i) = to_unit(x.row(i).transpose());
  y_raw_ = y;
  y_mean_ = y.size() > 0 ? y.mean() : 0.0;
  const double var =
      y.size() > 1 ? (y.array() - y_mean_).square().sum() / static_cast<double>(y.size() - 1) : 0;
  // A constant output has no scale of its own; leave it unscaled rather than divide by zero.
  y_std_ = var > 0 ? std::sqrt(var) : 1.0;
  y_ = (y.array() - y_mean_) / y_std_;
  if (!std::isfinite(y_mean_) || !std::isfinite(y_std_) || !y_.allFinite()) {
    error_ = "standardised outputs are not finite (overflow in mean or variance)";
    return error_;
  }
  return std::nullopt;
}

Eigen::MatrixXd GaussianProcess::kernel_matrix(const GpHyperparameters& h) const {
  const auto n = x_.rows();
  const double sf = std::exp(h.log_signal_variance);
  const Eigen::ArrayXd inv_l = (-h.log_length_scales.array()).exp();
  Eigen::MatrixXd k(n, n);
  for (Eigen::Index i = 0; i < n; ++i) {
    k(i, i) = sf;
    for (Eigen::Index j = 0; j < i; ++j) {
      const double r =
          std::sqrt(((x_.row(i) - x_.row(j)).transpose().array() * inv_l).square().sum());
      k(i, j) = k(j, i) = sf * (1.0 + kSqrt5 * r + 5.0 / 3.0 * r * r) * std::exp(-kSqrt5 * r);
    }
  }
  return k;
}

bool GaussianProcess::condition(const GpHyperparameters& h) {
  hyper_ = h;
  conditioned_ = false;
  const auto n = x_.rows();
  if (n == 0) {
    error_ = "no data";
    return false;
  }
  Eigen::MatrixXd k = kernel_matrix(h);
  k.diagonal().array() += std::exp(h.log_noise_variance);
  if (!k.allFinite() || !factorise(k, llt_, jitter_)) {
    error_ = "Cholesky factorisation failed even with jitter 1e-4";
    return false;
  }
  alpha_ = llt_.solve(y_);
  if (!alpha_.allFinite()) {
    error_ = "posterior weights are not finite";
    return false;
  }
  conditioned_ = true;
  return true;
}

double GaussianProcess::log_marginal_likelihood(const Eigen::VectorXd& theta,
                                                Eigen::VectorXd* gradient, bool priors) const {
  const auto n = x_.rows();
  const auto d = x_.cols();
  const GpHyperparameters h = GpHyperparameters::unpack(theta);
  const double sf = std::exp(h.log_signal_variance);
  const double sn = std::exp(h.log_noise_variance);
  const Eigen::ArrayXd inv_l2 = (-2.0 * h.log_length_scales.array()).exp();

  // Kernel and, per pair, the factor (5/3) sf (1 + sqrt5 r) exp(-sqrt5 r) that multiplies the
  // scaled squared distance in dK/dlog(l_d); it stays finite at r = 0.
  Eigen::MatrixXd k(n, n);
  Eigen::MatrixXd common(n, n);
  for (Eigen::Index i = 0; i < n; ++i) {
    k(i, i) = sf;
    common(i, i) = 5.0 / 3.0 * sf;
    for (Eigen::Index j = 0; j < i; ++j) {
      const double r2 = ((x_.row(i) - x_.row(j)).transpose().array().square() * inv_l2).sum();
      const double r = std::sqrt(r2);
      const double e = std::exp(-kSqrt5 * r);
      k(i, j) = k(j, i) = sf * (1.0 + kSqrt5 * r + 5.0 / 3.0 * r2) * e;
      common(i, j) = common(j, i) = 5.0 / 3.0 * sf * (1.0 + kSqrt5 * r) * e;
    }
  }
  Eigen::MatrixXd ky = k;
  ky.diagonal().array() += sn;
  Eigen::LLT<Eigen::MatrixXd> llt;
  double jitter = 0;
  if (!ky.allFinite() || !factorise(ky, llt, jitter)) {
    return -std::numeric_limits<double>::infinity();
  }
  const Eigen::VectorXd alpha = llt.solve(y_);
  const double log_det = 2.0 * llt.matrixLLT().diagonal().array().log().sum();
  double value = -0.5 * y_.dot(alpha) - 0.5 * log_det -
                 0.5 * static_cast<double>(n) * std::log(2.0 * std::numbers::pi);

  Eigen::VectorXd prior_gradient = Eigen::VectorXd::Zero(theta.size());
  if (priors) {
    gamma_log_prior(theta[0], 2.0, 0.15, value, prior_gradient[0]);
    for (Eigen::Index j = 0; j < d; ++j) {
      gamma_log_prior(theta[1 + j], 3.0, 6.0, value, prior_gradient[1 + j]);
    }
  }
  if (gradient != nullptr) {
    // d LML / d theta = 1/2 tr((alpha alpha^T - K^-1) dK/dtheta).
    const Eigen::MatrixXd w =
        alpha * alpha.transpose() - llt.solve(Eigen::MatrixXd::Identity(n, n));
    gradient->resize(theta.size());
    (*gradient)[0] = 0.5 * (w.array() * k.array()).sum();
    for (Eigen::Index dim = 0; dim < d; ++dim) {
      double acc = 0;
      for (Eigen::Index i = 0; i < n; ++i) {
        for (Eigen::Index j = 0; j < i; ++j) {
          const double diff = x_(i, dim) - x_(j, dim);
          acc += w(i, j) * common(i, j) * diff * diff;
        }
      }
      (*gradient)[1 + dim] = acc * inv_l2[dim];  // 2 * 1/2: w and dK are symmetric
    }
    (*gradient)[d + 1] = 0.5 * sn * w.trace();
    *gradient += prior_gradient;
  }
  return value;
}

std::optional<std::string> GaussianProcess::fit(const GpFitOptions& options) {
  const auto d = lower_.size();
  if (x_.rows() == 0) return error_ = "no data";
  Eigen::VectorXd lo(d + 2);
  Eigen::VectorXd hi(d + 2);
  lo[0] = std::log(options.min_signal_variance);
  hi[0] = std::log(options.max_signal_variance);
  lo.segment(1, d).setConstant(std::log(options.min_length_scale));
  hi.segment(1, d).setConstant(std::log(options.max_length_scale));
  lo[d + 1] = std::log(options.min_noise_variance);
  hi[d + 1] = std::log(options.max_noise_variance);

  std::vector<Eigen::VectorXd> starts;
  if (hyper_.log_length_scales.size() == d) starts.push_back(hyper_.pack());
  GpHyperparameters guess;
  guess.log_length_scales = Eigen::VectorXd::Constant(d, std::log(0.3));
  starts.push_back(guess.pack());
  std::mt19937_64 rng(options.seed ^
                      (0x9E3779B97F4A7C15ull * static_cast<std::uint64_t>(x_.rows())));
  for (int r = 0; r < options.restarts; ++r) {
    Eigen::VectorXd t(d + 2);
    for (Eigen::Index i = 0; i < d + 2; ++i) {
      const double u = static_cast<double>(rng() >> 11) * 0x1p-53;
      t[i] = lo[i] + u * (hi[i] - lo[i]);
    }
    // Random length scales spanning the whole box are mostly absurd; keep them moderate.
    t.segment(1, d) = t.segment(1, d).cwiseMin(std::log(2.0));
    t[d + 1] = std::min(t[d + 1], std::log(1e-2));
    starts.push_back(t);
  }

  const Objective objective = [&](const Eigen::VectorXd& theta, Eigen::VectorXd& g) {
    const double v = log_marginal_likelihood(theta, &g, options.use_priors);
    if (!std::isfinite(v)) return std::numeric_limits<double>::infinity();
    g = -g;
    return -v;
  };
  LbfgsOptions lopt;
  lopt.max_iterations = options.max_iterations;
  lopt.gradient_tolerance = 1e-5;
  double best = std::numeric_limits<double>::infinity();
  Eigen::VectorXd best_theta;
  for (const auto& start : starts) {
    const LbfgsResult r = minimize_lbfgs(objective, start, lo, hi, lopt);
    if (std::isfinite(r.value) && r.value < best) {
      best = r.value;
      best_theta = r.x;
    }
  }
  if (!std::isfinite(best)) return error_ = "log marginal likelihood not finite at any start";
  if (!condition(GpHyperparameters::unpack(best_theta))) return error_;
  return std::nullopt;
}

GpPrediction GaussianProcess::predict_unit(const Eigen::VectorXd& u, Eigen::VectorXd* mean_gradient,
                                           Eigen::VectorXd* variance_gradient) const {
  if (!conditioned_) throw std::logic_error("GaussianProcess: predict before condition");
  const auto n = x_.rows();
  const auto d = x_.cols();
  const double sf = std::exp(hyper_.log_signal_variance);
  const Eigen::ArrayXd inv_l2 = (-2.0 * hyper_.log_length_scales.array()).exp();
  Eigen::VectorXd ks(n);
  Eigen::MatrixXd dks(n, d);  // d k(u, x_i) / d u
  for (Eigen::Index i = 0; i < n; ++i) {
    const Eigen::ArrayXd diff = u.array() - x_.row(i).transpose().array();
    const double r2 = (diff.square() * inv_l2).sum();
    const double r = std::sqrt(r2);
    const double e = std::exp(-kSqrt5 * r);
    ks[i] = sf * (1.0 + kSqrt5 * r + 5.0 / 3.0 * r2) * e;
    dks.row(i) = (-5.0 / 3.0 * sf * (1.0 + kSqrt5 * r) * e * diff * inv_l2).transpose();
  }
  const Eigen::VectorXd kinv_ks = llt_.solve(ks);
  const double mean_std = ks.dot(alpha_);
  const double var_std = std::max(sf - ks.dot(kinv_ks), 1e-12 * sf);
  if (mean_gradient != nullptr) *mean_gradient = y_std_ * (dks.transpose() * alpha_);
  if (variance_gradient != nullptr) {
    *variance_gradient = -2.0 * y_std_ * y_std_ * (dks.transpose() * kinv_ks);
  }
  return {y_mean_ + y_std_ * mean_std, y_std_ * y_std_ * var_std};
}

}  // namespace edgeloop::bayes
