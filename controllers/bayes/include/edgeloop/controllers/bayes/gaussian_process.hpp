// Gaussian-process regression with an ARD Matérn-5/2 kernel: the surrogate model of the
// Bayesian experiment loop. Inputs are scaled to the unit cube, outputs standardised.
#pragma once

#include <Eigen/Dense>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>

namespace edgeloop::bayes {

// Natural-log parameters, in the scaled space: [log signal variance, log length scale per
// input, log noise variance]. Logs make every parameter unconstrained and scale-free.
struct GpHyperparameters {
  double log_signal_variance = 0.0;
  Eigen::VectorXd log_length_scales;
  double log_noise_variance = std::log(1e-4);

  Eigen::VectorXd pack() const;
  static GpHyperparameters unpack(const Eigen::VectorXd& theta);
};

struct GpFitOptions {
  int restarts = 4;  // L-BFGS starts besides the previous optimum and the default guess
  int max_iterations = 80;
  // Box on the log-parameters (scaled space: unit-cube inputs, unit-variance outputs).
  double min_length_scale = 0.01;
  double max_length_scale = 20.0;
  double min_signal_variance = 0.05;
  double max_signal_variance = 20.0;
  double min_noise_variance = 1e-6;
  double max_noise_variance = 0.5;
  // Weak Gamma priors (as BoTorch's defaults: length scale Gamma(3, 6), signal variance
  // Gamma(2, 0.15)) make the fit a MAP estimate, which keeps short data sets from collapsing to
  // tiny length scales. The noise variance gets none (BoTorch's Gamma(1.1, 0.05) has its mode
  // at 2 and blurs noise-free data); its box is its only constraint. Off: pure maximum likelihood.
  bool use_priors = true;
  std::uint64_t seed = 1;
};

struct GpPrediction {
  double mean;      // original output units
  double variance;  // of the latent function, original output units squared
};

class GaussianProcess {
 public:
  GaussianProcess(Eigen::VectorXd lower, Eigen::VectorXd upper);

  std::size_t dimensions() const { return static_cast<std::size_t>(lower_.size()); }
  Eigen::VectorXd to_unit(const Eigen::VectorXd& x) const;
  Eigen::VectorXd from_unit(const Eigen::VectorXd& u) const;

  // Sets the data (rows of `x` in original units) and standardises the outputs. Returns an
  // error message when the standardised outputs are not finite.
  std::optional<std::string> set_data(const Eigen::MatrixXd& x, const Eigen::VectorXd& y);
  // Factorises K for `h`; false (with `error` set) when no jitter up to 1e-4 makes it positive
  // definite or the result is not finite.
  bool condition(const GpHyperparameters& h);
  // Maximises the log marginal likelihood (plus priors) by multi-start L-BFGS and conditions on
  // the optimum. Returns an error message when no start gives a finite likelihood.
  std::optional<std::string> fit(const GpFitOptions& options);

  // Log marginal likelihood of the standardised data (plus the log priors when `priors`) at
  // packed log-parameters `theta`, and its analytic gradient when `gradient` is given.
  double log_marginal_likelihood(const Eigen::VectorXd& theta, Eigen::VectorXd* gradient,
                                 bool priors = false) const;

  // Posterior at a unit-cube point, in original units; gradients w.r.t. the unit point.
  GpPrediction predict_unit(const Eigen::VectorXd& u, Eigen::VectorXd* mean_gradient = nullptr,
                            Eigen::VectorXd* variance_gradient = nullptr) const;
  GpPrediction predict(const Eigen::VectorXd& x) const { return predict_unit(to_unit(x)); }

  const GpHyperparameters& hyperparameters() const { return hyper_; }
  const Eigen::MatrixXd& unit_inputs() const { return x_; }
  const Eigen::VectorXd& outputs() const { return y_raw_; }
  double jitter() const { return jitter_; }
  const std::string& error() const { return error_; }

 private:
  Eigen::MatrixXd kernel_matrix(const GpHyperparameters& h) const;

  Eigen::VectorXd lower_;
  Eigen::VectorXd upper_;
  Eigen::MatrixXd x_;  // n x d, unit cube
  Eigen::VectorXd y_raw_;
  Eigen::VectorXd y_;  // standardised
  double y_mean_ = 0;
  double y_std_ = 1;
  GpHyperparameters hyper_;
  Eigen::LLT<Eigen::MatrixXd> llt_;
  Eigen::VectorXd alpha_;
  double jitter_ = 0;
  bool conditioned_ = false;
  std::string error_;
};

}  // namespace edgeloop::bayes
