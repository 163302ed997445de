// GP-uncertainty sampling: after the seed grid, measure where a Gaussian process fitted to the
// values so far is least certain, optionally weighted towards where its mean changes fastest
// (edges), which is what a sparse image most needs.
#include <Eigen/Dense>

#include <algorithm>
#include <array>
#include <cmath>

#include "edgeloop/controllers/bayes/gaussian_process.hpp"
#include "strategies.hpp"

namespace edgeloop::scan {
namespace {

class GpUncertaintyStrategy final : public ScanStrategy {
 public:
  explicit GpUncertaintyStrategy(const ScanStrategyOptions& o)
      : nx_(o.nx),
        ny_(o.ny),
        seed_(o.seed),
        gradient_weight_(o.gradient_weight),
        seeds_(seed_grid_positions(o.nx, o.ny)) {
    hyper_.log_signal_variance = 0.0;
    hyper_.log_length_scales = Eigen::VectorXd::Constant(2, std::log(0.2));
    hyper_.log_noise_variance = std::log(1e-4);
  }

  std::string_view name() const override { return "gp_uncertainty"; }

  ScanChoice choose(const SparseScanImage& scan, std::uint64_t /*k*/) override {
    if (const auto s = next_seed_position(scan, seeds_); s >= 0) {
      return {.index = s, .rule = "seed_grid"};
    }
    const auto n = static_cast<Eigen::Index>(scan.measured_count());
    if (n < 2) {
      for (std::size_t i = 0; i < scan.size(); ++i) {
        if (scan.available(static_cast<std::int64_t>(i))) {
          return {.index = static_cast<std::int64_t>(i), .rule = "first_available"};
        }
      }
      return {.index = -1, .rule = "max_uncertainty"};
    }
    const auto score = scores(scan);
    std::int64_t best = -1;
    for (std::size_t i = 0; i < score.size(); ++i) {
      const auto index = static_cast<std::int64_t>(i);
      if (scan.available(index) && (best < 0 || score[i] > score[static_cast<std::size_t>(best)])) {
        best = index;
      }
    }
    if (best < 0) return {.index = -1, .rule = "max_uncertainty"};
    return {.index = best,
            .score = score[static_cast<std::size_t>(best)],
            .rule = "max_uncertainty",
            .alternatives = top_alternatives(scan, score, best, 3)};
  }

  nlohmann::json describe() const override {
    return {{"strategy", "gp_uncertainty"},
            {"kernel", "matern52-ard"},
            {"gradient_weight", gradient_weight_},
            {"seed", seed_},
            {"log_length_scales", std::vector<double>(hyper_.log_length_scales.data(),
                                                      hyper_.log_length_scales.data() +
                                                          hyper_.log_length_scales.size())},
            {"log_signal_variance", hyper_.log_signal_variance},
            {"log_noise_variance", hyper_.log_noise_variance}};
  }

 private:
  double unit(std::uint32_t v, std::uint32_t n) const {
    return n > 1 ? static_cast<double>(v) / static_cast<double>(n - 1) : 0.0;
  }

  double kernel(double dx, double dy) const {
    const double r = std::sqrt(dx * dx * inv_l2_[0] + dy * dy * inv_l2_[1]);
    const double s5r = std::sqrt(5.0) * r;
    return signal_ * (1.0 + s5r + 5.0 * r * r / 3.0) * std::exp(-s5r);
  }

  // Posterior std (standardised units) plus gradient_weight x the mean's change per grid step.
  std::vector<double> scores(const SparseScanImage& scan) {
    const auto& order = scan.order();
    const auto n = static_cast<Eigen::Index>(order.size());
    Eigen::MatrixXd x(n, 2);
    Eigen::VectorXd y(n);
    for (Eigen::Index r = 0; r < n; ++r) {
      const auto i = static_cast<std::uint32_t>(order[static_cast<std::size_t>(r)]);
      x(r, 0) = static_cast<double>(i % nx_);
      x(r, 1) = static_cast<double>(i / nx_);
      y(r) = scan.value(order[static_cast<std::size_t>(r)]);
    }
    if (n >= next_refit_) {
      // Refitting the hyperparameters costs O(n^3) per likelihood: do it as the data doubles.
      bayes::GaussianProcess gp(
          Eigen::Vector2d(0.0, 0.0),
          Eigen::Vector2d(std::max(1.0, nx_ - 1.0), std::max(1.0, ny_ - 1.0)));
      if (!gp.set_data(x, y)) {
        bayes::GpFitOptions fit{.restarts = 1, .max_iterations = 40, .seed = seed_};
        if (!gp.fit(fit)) hyper_ = gp.hyperparameters();
      }
      next_refit_ = 2 * n;
    }
    const double mean = y.mean();
    const double sd = std::sqrt((y.array() - mean).square().mean());
    const Eigen::VectorXd ys = (y.array() - mean) / (sd > 0.0 ? sd : 1.0);
    signal_ = std::exp(hyper_.log_signal_variance);
    inv_l2_ = {std::exp(-2.0 * hyper_.log_length_scales(0)),
               std::exp(-2.0 * hyper_.log_length_scales(1))};
    const double noise = std::exp(hyper_.log_noise_variance) + 1e-8;
    Eigen::MatrixXd u(n, 2);
    for (Eigen::Index r = 0; r < n; ++r) {
      u(r, 0) = unit(static_cast<std::uint32_t>(x(r, 0)), nx_);
      u(r, 1) = unit(static_cast<std::uint32_t>(x(r, 1)), ny_);
    }
    Eigen::MatrixXd k(n, n);
    for (Eigen::Index a = 0; a < n; ++a) {
      for (Eigen::Index b = 0; b <= a; ++b) {
        k(a, b) = k(b, a) = kernel(u(a, 0) - u(b, 0), u(a, 1) - u(b, 1));
      }
      k(a, a) += noise;
    }
    const Eigen::LLT<Eigen::MatrixXd> llt(k);
    const Eigen::VectorXd alpha = llt.solve(ys);
    const auto total = static_cast<Eigen::Index>(scan.size());
    Eigen::MatrixXd ks(n, total);
    for (Eigen::Index q = 0; q < total; ++q) {
      const double qx = unit(static_cast<std::uint32_t>(q % nx_), nx_);
      const double qy = unit(static_cast<std::uint32_t>(q / nx_), ny_);
      for (Eigen::Index r = 0; r < n; ++r) ks(r, q) = kernel(qx - u(r, 0), qy - u(r, 1));
    }
    const Eigen::VectorXd mu = ks.transpose() * alpha;
    llt.matrixL().solveInPlace(ks);
    const Eigen::VectorXd explained = ks.colwise().squaredNorm().transpose();
    std::vector<double> score(static_cast<std::size_t>(total));
    const auto at = [&](std::int64_t gx, std::int64_t gy) {
      gx = std::clamp<std::int64_t>(gx, 0, nx_ - 1);
      gy = std::clamp<std::int64_t>(gy, 0, ny_ - 1);
      return mu(static_cast<Eigen::Index>(gy * nx_ + gx));
    };
    for (Eigen::Index q = 0; q < total; ++q) {
      const auto gx = static_cast<std::int64_t>(q % nx_);
      const auto gy = static_cast<std::int64_t>(q / nx_);
      const double gxd = 0.5 * (at(gx + 1, gy) - at(gx - 1, gy));
      const double gyd = 0.5 * (at(gx, gy + 1) - at(gx, gy - 1));
      const double variance = std::max(0.0, signal_ - explained(q));
      score[static_cast<std::size_t>(q)] =
          std::sqrt(variance) + gradient_weight_ * std::sqrt(gxd * gxd + gyd * gyd);
    }
    return score;
  }

  std::uint32_t nx_;
  std::uint32_t ny_;
  std::uint64_t seed_;
  double gradient_weight_;
  std::vector<std::int64_t> seeds_;
  bayes::GpHyperparameters hyper_;
  Eigen::Index next_refit_ = 0;
  double signal_ = 1.0;
  std::array<double, 2> inv_l2_{1.0, 1.0};
};

}  // namespace

std::unique_ptr<ScanStrategy> make_gp_uncertainty_strategy(const ScanStrategyOptions& options) {
  return std::make_unique<GpUncertaintyStrategy>(options);
}

}  // namespace edgeloop::scan
