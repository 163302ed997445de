#include "edgeloop/controllers/scan/scan_environment.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>

namespace edgeloop::scan {

double normalised_rmse(std::span<const double> reconstruction, std::span<const double> truth) {
  if (reconstruction.size() != truth.size() || truth.empty()) {
    throw std::invalid_argument("reconstruction and truth differ in size");
  }
  double sum2 = 0.0;
  for (std::size_t i = 0; i < truth.size(); ++i) {
    const double d = reconstruction[i] - truth[i];
    sum2 += d * d;
  }
  const auto [lo, hi] = std::minmax_element(truth.begin(), truth.end());
  const double range = *hi - *lo;
  const double rmse = std::sqrt(sum2 / static_cast<double>(truth.size()));
  return range > 0.0 ? rmse / range : rmse;
}

ScanEnvironment::ScanEnvironment(std::uint32_t nx, std::uint32_t ny, std::vector<double> truth,
                                 std::size_t budget)
    : nx_(nx), ny_(ny), truth_(std::move(truth)), budget_(budget), scan_(nx, ny) {
  if (truth_.size() != static_cast<std::size_t>(nx) * ny) {
    throw std::invalid_argument("the truth image holds " + std::to_string(truth_.size()) +
                                " values, the grid " + std::to_string(nx) + "x" +
                                std::to_string(ny));
  }
  for (const double v : truth_) {
    if (!std::isfinite(v)) throw std::invalid_argument("the truth image is not finite");
  }
  if (budget_ == 0 || budget_ > truth_.size()) {
    throw std::invalid_argument("the budget must be 1..positions");
  }
  reset();
}

void ScanEnvironment::reset() {
  scan_ = SparseScanImage(nx_, ny_);
  error_ = normalised_rmse(scan_.reconstruction(), truth_);
}

double ScanEnvironment::dose() const {
  return static_cast<double>(scan_.visited_count()) * dose_per_position();
}

ScanStepResult ScanEnvironment::step(std::int64_t i) {
  if (done()) throw std::invalid_argument("the scan's budget is spent");
  if (!scan_.available(i)) {
    throw std::invalid_argument("scan position " + std::to_string(i) + " is not available");
  }
  const double before = error_;
  scan_.measure(i, truth_[static_cast<std::size_t>(i)]);
  error_ = normalised_rmse(scan_.reconstruction(), truth_);
  return {.reward = (before - error_) / dose_per_position(),
          .error = error_,
          .dose = dose(),
          .done = done()};
}

std::vector<double> ScanEnvironment::error_reductions() const {
  const auto& recon = scan_.reconstruction();
  const auto& d2 = scan_.nearest_distance2();
  // A new sample only takes positions closer to it than their nearest sample: none lies
  // further away than the largest nearest-sample distance.
  const double reach2 = *std::max_element(d2.begin(), d2.end());
  const auto reach = static_cast<std::int64_t>(
      std::ceil(std::sqrt(std::min(reach2, static_cast<double>(nx_) * nx_ + 1.0 * ny_ * ny_))));
  std::vector<double> gain(truth_.size(), 0.0);
  const auto nx = static_cast<std::int64_t>(nx_);
  const auto ny = static_cast<std::int64_t>(ny_);
  for (std::int64_t py = 0; py < ny; ++py) {
    for (std::int64_t px = 0; px < nx; ++px) {
      const std::int64_t p = py * nx + px;
      if (!scan_.available(p)) continue;
      const double tp = truth_[static_cast<std::size_t>(p)];
      double g = 0.0;
      for (std::int64_t y = std::max<std::int64_t>(0, py - reach);
           y <= std::min(ny - 1, py + reach); ++y) {
        for (std::int64_t x = std::max<std::int64_t>(0, px - reach);
             x <= std::min(nx - 1, px + reach); ++x) {
          const auto q = static_cast<std::size_t>(y * nx + x);
          const auto dx = static_cast<double>(x - px);
          const auto dy = static_cast<double>(y - py);
          if (dx * dx + dy * dy < d2[q]) {
            const double old_err = recon[q] - truth_[q];
            const double new_err = tp - truth_[q];
            g += old_err * old_err - new_err * new_err;
          }
        }
      }
      gain[static_cast<std::size_t>(p)] = g;
    }
  }
  return gain;
}

}  // namespace edgeloop::scan
