#include "edgeloop/controllers/scan/sparse_scan_image.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace edgeloop::scan {
namespace {

constexpr double kNoSample = 1e300;

}  // namespace

SparseScanImage::SparseScanImage(std::uint32_t nx, std::uint32_t ny)
    : nx_(nx),
      ny_(ny),
      state_(static_cast<std::size_t>(nx) * ny, State::Unvisited),
      value_(state_.size(), 0.0),
      reconstruction_(state_.size(), 0.0),
      distance2_(state_.size(), kNoSample) {
  if (nx == 0 || ny == 0) throw std::invalid_argument("a sparse scan needs a non-empty grid");
}

std::size_t SparseScanImage::checked(std::int64_t i) const {
  if (i < 0 || static_cast<std::size_t>(i) >= state_.size()) {
    throw std::invalid_argument("scan position " + std::to_string(i) + " is outside the " +
                                std::to_string(nx_) + "x" + std::to_string(ny_) + " grid");
  }
  return static_cast<std::size_t>(i);
}

void SparseScanImage::reserve(std::int64_t i) {
  const auto u = checked(i);
  if (state_[u] != State::Unvisited) {
    throw std::invalid_argument("scan position " + std::to_string(i) + " was visited already");
  }
  state_[u] = State::Pending;
  ++visited_;
}

void SparseScanImage::lose(std::int64_t i) {
  const auto u = checked(i);
  if (state_[u] == State::Measured || state_[u] == State::Lost) return;
  if (state_[u] == State::Unvisited) ++visited_;
  state_[u] = State::Lost;
}

void SparseScanImage::measure(std::int64_t i, double value) {
  const auto u = checked(i);
  if (state_[u] == State::Measured) {
    throw std::invalid_argument("scan position " + std::to_string(i) + " is measured already");
  }
  if (!std::isfinite(value)) {
    throw std::invalid_argument("scan position " + std::to_string(i) + ": value is not finite");
  }
  if (state_[u] == State::Unvisited) ++visited_;
  state_[u] = State::Measured;
  value_[u] = value;
  order_.push_back(i);
  sum_ += value;
  sum2_ += value * value;
  // Every position closer to the new sample than to its nearest one so far takes its value.
  const auto px = static_cast<double>(u % nx_);
  const auto py = static_cast<double>(u / nx_);
  std::size_t q = 0;
  for (std::uint32_t y = 0; y < ny_; ++y) {
    const double dy = static_cast<double>(y) - py;
    for (std::uint32_t x = 0; x < nx_; ++x, ++q) {
      const double dx = static_cast<double>(x) - px;
      const double d2 = dx * dx + dy * dy;
      if (d2 < distance2_[q]) {
        distance2_[q] = d2;
        reconstruction_[q] = value;
      }
    }
  }
}

double SparseScanImage::value_mean() const {
  return order_.empty() ? 0.0 : sum_ / static_cast<double>(order_.size());
}

double SparseScanImage::value_std() const {
  const auto n = static_cast<double>(order_.size());
  if (order_.size() < 2) return 1.0;
  const double mean = sum_ / n;
  const double variance = std::max(0.0, sum2_ / n - mean * mean);
  const double sd = std::sqrt(variance);
  // A flat image so far: keep the scale of its values rather than dividing by ~0.
  if (!(sd > 1e-9 * std::max(1.0, std::abs(mean)))) return 1.0;
  return sd;
}

}  // namespace edgeloop::scan
