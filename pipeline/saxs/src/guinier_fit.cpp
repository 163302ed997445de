#include "edgeloop/pipeline/saxs/guinier_fit.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

namespace edgeloop::saxs {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct Point {
  std::size_t index;
  double x;  // q²
  double y;  // ln I
  double w;  // 1 / σ(ln I)²
};

struct Line {
  double intercept;
  double slope;
  double intercept_variance;
  double slope_variance;
  double reduced_chi2;
};

// Weighted least squares about the weighted mean of x, which keeps the normal equations well
// conditioned even though q² spans a small interval far from 0.
Line fit_line(std::span<const Point> points, bool absolute_weights) {
  double sw = 0.0;
  double swx = 0.0;
  double swy = 0.0;
  for (const Point& p : points) {
    sw += p.w;
    swx += p.w * p.x;
    swy += p.w * p.y;
  }
  const double mx = swx / sw;
  const double my = swy / sw;
  double sxx = 0.0;
  double sxy = 0.0;
  for (const Point& p : points) {
    sxx += p.w * (p.x - mx) * (p.x - mx);
    sxy += p.w * (p.x - mx) * (p.y - my);
  }
  Line line{};
  line.slope = sxy / sxx;
  line.intercept = my - line.slope * mx;
  line.slope_variance = 1.0 / sxx;
  line.intercept_variance = 1.0 / sw + mx * mx / sxx;
  double chi2 = 0.0;
  for (const Point& p : points) {
    const double r = p.y - (line.intercept + line.slope * p.x);
    chi2 += p.w * r * r;
  }
  const std::size_t dof = points.size() - 2;
  line.reduced_chi2 = dof > 0 ? chi2 / static_cast<double>(dof) : kNaN;
  if (!absolute_weights) {
    // Unit weights say nothing about the size of the errors: take it from the scatter.
    const double scale = dof > 0 ? line.reduced_chi2 : kNaN;
    line.slope_variance *= scale;
    line.intercept_variance *= scale;
  }
  return line;
}

GuinierFit failed(std::string reason) {
  GuinierFit fit;
  fit.rg = fit.rg_error = fit.i0 = fit.i0_error = kNaN;
  fit.q_first = fit.q_last = fit.reduced_chi2 = kNaN;
  fit.reason = std::move(reason);
  return fit;
}

}  // namespace

GuinierFit guinier_fit(std::span<const double> q, std::span<const double> intensity,
                       std::span<const double> sigma, const GuinierOptions& options) {
  if (intensity.size() != q.size() || (!sigma.empty() && sigma.size() != q.size())) {
    throw std::invalid_argument("guinier_fit: q, intensity and sigma differ in size");
  }
  if (!(options.max_qrg > 0.0 && std::isfinite(options.max_qrg)) || options.min_points < 2) {
    throw std::invalid_argument("guinier_fit: max_qrg must be > 0 and min_points >= 2");
  }
  const bool weighted = !sigma.empty();

  std::vector<Point> usable;
  for (std::size_t i = 0; i < q.size(); ++i) {
    const double s = weighted ? sigma[i] : 1.0;
    if (!(std::isfinite(q[i]) && q[i] >= 0.0 && std::isfinite(intensity[i]) && intensity[i] > 0.0 &&
          std::isfinite(s) && s > 0.0)) {
      continue;
    }
    const double s_ln = weighted ? s / intensity[i] : 1.0;
    usable.push_back({i, q[i] * q[i], std::log(intensity[i]), 1.0 / (s_ln * s_ln)});
  }
  // The input need not be sorted; the Guinier region is the lowest q whatever the order.
  std::stable_sort(usable.begin(), usable.end(),
                   [](const Point& a, const Point& b) { return a.x < b.x; });
  if (usable.size() < options.min_points) {
    return failed(fmt::format("only {} usable points (finite I > 0{}), {} needed", usable.size(),
                              weighted ? " with a finite error > 0" : "", options.min_points));
  }

  std::size_t n = options.min_points;
  std::vector<std::size_t> tried;
  for (std::size_t iteration = 0; iteration < options.max_iterations; ++iteration) {
    const Line line = fit_line(std::span(usable).first(n), weighted);
    if (!(line.slope < 0.0)) {
      return failed(
          fmt::format("ln I does not fall with q² over the lowest {} points (slope {:.4g} >= 0)", n,
                      line.slope));
    }
    const double rg = std::sqrt(-3.0 * line.slope);
    const double q_end = options.max_qrg / rg;
    const auto within = static_cast<std::size_t>(std::count_if(
        usable.begin(), usable.end(), [&](const Point& p) { return std::sqrt(p.x) <= q_end; }));
    if (within < options.min_points) {
      return failed(fmt::format("only {} usable points have q·Rg <= {} (Rg {:.4g}), {} needed",
                                within, options.max_qrg, rg, options.min_points));
    }
    // A range that returns to one tried before would cycle: settle on the smaller of the two,
    // which satisfies q·Rg <= max_qrg for the Rg fitted over it or not at all.
    const bool cycle = std::find(tried.begin(), tried.end(), within) != tried.end();
    if (within == n || cycle) {
      const std::size_t final_n = std::min(n, within);
      const Line final_line =
          final_n == n ? line : fit_line(std::span(usable).first(final_n), weighted);
      if (!(final_line.slope < 0.0)) break;
      const double final_rg = std::sqrt(-3.0 * final_line.slope);
      const Point& end = usable[final_n - 1];
      if (std::sqrt(end.x) * final_rg > options.max_qrg * (1.0 + 1e-12)) break;
      GuinierFit fit;
      fit.valid = true;
      fit.rg = final_rg;
      fit.rg_error = 1.5 * std::sqrt(final_line.slope_variance) / final_rg;
      fit.i0 = std::exp(final_line.intercept);
      fit.i0_error = fit.i0 * std::sqrt(final_line.intercept_variance);
      fit.first = usable.front().index;
      fit.last = end.index;
      fit.q_first = q[fit.first];
      fit.q_last = q[fit.last];
      fit.points = final_n;
      fit.reduced_chi2 = final_line.reduced_chi2;
      return fit;
    }
    tried.push_back(n);
    n = within;
  }
  return failed(
      fmt::format("the fit range did not settle within {} iterations", options.max_iterations));
}

}  // namespace edgeloop::saxs
