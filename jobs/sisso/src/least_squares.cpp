#include "edgeloop/sisso/least_squares.hpp"

#include <Eigen/Dense>

#include <cmath>
#include <stdexcept>

namespace edgeloop::sisso {

LinearFit fit_linear(std::span<const std::span<const double>> columns,
                     std::span<const double> target, bool intercept) {
  const auto n = static_cast<Eigen::Index>(target.size());
  const auto d = static_cast<Eigen::Index>(columns.size());
  if (n == 0) throw std::invalid_argument("fit_linear: no samples");
  Eigen::MatrixXd x(n, d);
  for (Eigen::Index j = 0; j < d; ++j) {
    const auto col = columns[static_cast<std::size_t>(j)];
    if (static_cast<Eigen::Index>(col.size()) != n) {
      throw std::invalid_argument("fit_linear: feature and target lengths differ");
    }
    for (Eigen::Index s = 0; s < n; ++s) x(s, j) = col[static_cast<std::size_t>(s)];
  }
  Eigen::VectorXd y(n);
  for (Eigen::Index s = 0; s < n; ++s) y(s) = target[static_cast<std::size_t>(s)];

  // With an intercept, fitting the centred data gives the slopes and the intercept follows
  // from the means, as in SISSO.
  Eigen::RowVectorXd x_mean = Eigen::RowVectorXd::Zero(d);
  double y_mean = 0.0;
  if (intercept) {
    x_mean = x.colwise().mean();
    y_mean = y.mean();
  }
  const Eigen::MatrixXd xc = x.rowwise() - x_mean;
  const Eigen::VectorXd yc = y.array() - y_mean;
  const Eigen::VectorXd beta =
      d == 0 ? Eigen::VectorXd() : Eigen::VectorXd(xc.colPivHouseholderQr().solve(yc));

  LinearFit fit;
  fit.coefficients.assign(beta.data(), beta.data() + beta.size());
  fit.intercept = intercept ? y_mean - x_mean.dot(beta) : 0.0;
  fit.predictions.resize(static_cast<std::size_t>(n));
  double rss = 0.0;
  for (Eigen::Index s = 0; s < n; ++s) {
    const double p = fit.intercept + (d == 0 ? 0.0 : x.row(s).dot(beta));
    fit.predictions[static_cast<std::size_t>(s)] = p;
    const double r = y(s) - p;
    rss += r * r;
    fit.max_abs_error = std::max(fit.max_abs_error, std::fabs(r));
  }
  fit.rss = rss;
  fit.rmse = std::sqrt(rss / static_cast<double>(n));
  return fit;
}

}  // namespace edgeloop::sisso
