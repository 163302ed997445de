// Ordinary least-squares fit of a target to a few features, with or without intercept, as the
// models SISSO reports: coefficients, intercept, RMSE and maximum absolute error.
#pragma once

#include <span>
#include <vector>

namespace edgeloop::sisso {

struct LinearFit {
  std::vector<double> coefficients;  // one per feature
  double intercept = 0.0;            // 0 without intercept
  double rmse = 0.0;                 // sqrt(mean residual^2)
  double max_abs_error = 0.0;
  double rss = 0.0;  // residual sum of squares
  std::vector<double> predictions;
};

// `columns`: one span of sample values per feature, all as long as `target`. Solved by a
// column-pivoting Householder QR, so collinear features give a finite (minimum) fit.
LinearFit fit_linear(std::span<const std::span<const double>> columns,
                     std::span<const double> target, bool intercept);

}  // namespace edgeloop::sisso
