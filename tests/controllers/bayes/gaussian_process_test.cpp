#include "edgeloop/controllers/bayes/gaussian_process.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numbers>
#include <random>

namespace edgeloop::bayes {
namespace {

Eigen::VectorXd vec(std::initializer_list<double> v) {
  Eigen::VectorXd out(static_cast<Eigen::Index>(v.size()));
  Eigen::Index i = 0;
  for (double x : v) out[i++] = x;
  return out;
}

TEST(GaussianProcess, InterpolatesNoiseFreeData) {
  GaussianProcess gp(vec({0.0}), vec({10.0}));
  Eigen::MatrixXd x(8, 1);
  Eigen::VectorXd y(8);
  for (int i = 0; i < 8; ++i) {
    x(i, 0) = 10.0 * i / 7.0;
    y[i] = std::sin(x(i, 0)) * 3.0 + 7.0;
  }
  ASSERT_FALSE(gp.set_data(x, y));
  ASSERT_FALSE(gp.fit({}));
  for (int i = 0; i < 8; ++i) {
    const auto p = gp.predict(x.row(i).transpose());
    EXPECT_NEAR(p.mean, y[i], 1e-2);
    EXPECT_LT(p.variance, 1e-2);
  }
  // Between the data, uncertainty grows.
  EXPECT_GT(gp.predict(vec({10.0 * 0.5 / 7.0})).variance,
            gp.predict(x.row(0).transpose()).variance);
}

TEST(GaussianProcess, RecoversAKnownLengthScaleRoughly) {
  // A deterministic draw from a Matern-5/2 GP with length scale 0.2 on [0, 1] (Box-Muller on a
  // fixed mt19937_64 stream), fitted by maximum likelihood without priors.
  constexpr int n = 60;
  constexpr double length = 0.2;
  Eigen::MatrixXd k(n, n);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      const double r = std::abs(i - j) / (n - 1.0) / length;
      k(i, j) = (1 + std::sqrt(5.0) * r + 5.0 / 3.0 * r * r) * std::exp(-std::sqrt(5.0) * r);
    }
  }
  k.diagonal().array() += 1e-8;
  std::mt19937_64 rng(2024);
  Eigen::VectorXd z(n);
  for (int i = 0; i < n; ++i) {
    const double u1 = (static_cast<double>(rng() >> 11) + 0.5) * 0x1p-53;
    const double u2 = static_cast<double>(rng() >> 11) * 0x1p-53;
    z[i] = std::sqrt(-2 * std::log(u1)) * std::cos(2 * std::numbers::pi * u2);
  }
  const Eigen::VectorXd y = Eigen::LLT<Eigen::MatrixXd>(k).matrixL() * z;
  Eigen::MatrixXd x(n, 1);
  for (int i = 0; i < n; ++i) x(i, 0) = i / (n - 1.0);
  GaussianProcess gp(vec({0.0}), vec({1.0}));
  ASSERT_FALSE(gp.set_data(x, y));
  GpFitOptions o;
  o.use_priors = false;
  ASSERT_FALSE(gp.fit(o));
  const double fitted = std::exp(gp.hyperparameters().log_length_scales[0]);
  EXPECT_GT(fitted, 0.5 * length);
  EXPECT_LT(fitted, 2.0 * length);
  EXPECT_LT(std::exp(gp.hyperparameters().log_noise_variance), 1e-3);
}

TEST(GaussianProcess, LogMarginalLikelihoodGradientMatchesFiniteDifferences) {
  GaussianProcess gp(vec({0.0, -1.0}), vec({1.0, 1.0}));
  Eigen::MatrixXd x(12, 2);
  Eigen::VectorXd y(12);
  for (int i = 0; i < 12; ++i) {
    x(i, 0) = std::fmod(0.37 * i, 1.0);
    x(i, 1) = std::fmod(0.61 * i, 2.0) - 1.0;
    y[i] = std::cos(3 * x(i, 0)) + x(i, 1) * x(i, 1) + 0.01 * std::sin(17.0 * i);
  }
  ASSERT_FALSE(gp.set_data(x, y));
  Eigen::VectorXd theta(4);
  theta << 0.3, std::log(0.4), std::log(0.7), std::log(1e-3);
  for (bool priors : {false, true}) {
    Eigen::VectorXd g;
    gp.log_marginal_likelihood(theta, &g, priors);
    for (Eigen::Index i = 0; i < theta.size(); ++i) {
      const double h = 1e-6;
      Eigen::VectorXd tp = theta, tm = theta;
      tp[i] += h;
      tm[i] -= h;
      const double fd = (gp.log_marginal_likelihood(tp, nullptr, priors) -
                         gp.log_marginal_likelihood(tm, nullptr, priors)) /
                        (2 * h);
      EXPECT_NEAR(g[i], fd, 1e-5 * std::max(1.0, std::abs(fd))) << i << " priors " << priors;
    }
  }
}

TEST(GaussianProcess, PredictiveGradientsMatchFiniteDifferences) {
  GaussianProcess gp(vec({0.0, 0.0}), vec({2.0, 1.0}));
  Eigen::MatrixXd x(6, 2);
  x << 0.1, 0.2, 1.5, 0.9, 0.7, 0.4, 1.9, 0.1, 0.3, 0.8, 1.1, 0.6;
  Eigen::VectorXd y(6);
  y << 1.0, -0.5, 0.3, 2.0, 0.1, -1.0;
  ASSERT_FALSE(gp.set_data(x, y));
  ASSERT_FALSE(gp.fit({}));
  const Eigen::VectorXd u = vec({0.41, 0.57});
  Eigen::VectorXd dm, dv;
  gp.predict_unit(u, &dm, &dv);
  for (Eigen::Index i = 0; i < 2; ++i) {
    Eigen::VectorXd up = u, um = u;
    up[i] += 1e-6;
    um[i] -= 1e-6;
    EXPECT_NEAR(dm[i], (gp.predict_unit(up).mean - gp.predict_unit(um).mean) / 2e-6, 1e-4);
    EXPECT_NEAR(dv[i], (gp.predict_unit(up).variance - gp.predict_unit(um).variance) / 2e-6, 1e-4);
  }
}

TEST(GaussianProcess, ReportsOverflowingOutputs) {
  GaussianProcess gp(vec({0.0}), vec({1.0}));
  Eigen::MatrixXd x(3, 1);
  x << 0.1, 0.5, 0.9;
  EXPECT_TRUE(gp.set_data(x, vec({1.7e308, 1.7e308, 0.0})).has_value());
}

}  // namespace
}  // namespace edgeloop::bayes

namespace edgeloop::bayes {
namespace {

TEST(GaussianProcess, ConditionFailsWithAReasonOnANonFiniteKernel) {
  GaussianProcess gp(vec({0.0}), vec({1.0}));
  Eigen::MatrixXd x(3, 1);
  x << 0.1, 0.5, 0.9;
  ASSERT_FALSE(gp.set_data(x, vec({1.0, 2.0, 0.5})));
  GpHyperparameters h;
  h.log_length_scales = vec({std::log(0.3)});
  h.log_signal_variance = std::numeric_limits<double>::quiet_NaN();
  EXPECT_FALSE(gp.condition(h));
  EXPECT_NE(gp.error().find("Cholesky"), std::string::npos);
  EXPECT_THROW(gp.predict(vec({0.5})), std::logic_error);
}

}  // namespace
}  // namespace edgeloop::bayes
