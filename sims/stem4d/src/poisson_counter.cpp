#include "edgeloop/sims/poisson_counter.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace edgeloop::sims {
namespace {

template <class T>
void add_saturating(T& pixel, std::uint64_t n) {
  constexpr std::uint64_t kMax = std::numeric_limits<T>::max();
  pixel = static_cast<T>(std::min<std::uint64_t>(std::uint64_t{pixel} + n, kMax));
}

}  // namespace

double PoissonCounter::build_alias() {
  // Vose's alias method: scale the weights to mean 1, then pair each under-full slot with an
  // over-full one that tops it up.
  const std::size_t n = dim_.size();
  double total = 0.0;
  for (const double w : weights_) total += w;
  alias_.assign(n, 0);
  if (total <= 0.0) return 0.0;
  small_.clear();
  large_.clear();
  const double scale = static_cast<double>(n) / total;
  for (std::size_t i = 0; i < n; ++i) {
    weights_[i] *= scale;
    (weights_[i] < 1.0 ? small_ : large_).push_back(static_cast<std::uint32_t>(i));
  }
  while (!small_.empty() && !large_.empty()) {
    const std::uint32_t s = small_.back();
    small_.pop_back();
    const std::uint32_t l = large_.back();
    alias_[s] = l;
    weights_[l] -= 1.0 - weights_[s];
    if (weights_[l] < 1.0) {
      large_.pop_back();
      small_.push_back(l);
    }
  }
  // What is left is full up to rounding.
  for (const std::uint32_t i : small_) weights_[i] = 1.0;
  for (const std::uint32_t i : large_) weights_[i] = 1.0;
  return total;
}

template <class T>
void PoissonCounter::count_typed(std::span<const double> expected, double dark_per_pixel,
                                 Xoshiro256& rng, std::span<T> out) {
  if (out.size() != expected.size() || out.empty() ||
      out.size() > std::numeric_limits<std::uint32_t>::max()) {
    throw std::invalid_argument("PoissonCounter: expected and out differ in size or are empty");
  }
  dim_.clear();
  weights_.clear();
  for (std::size_t p = 0; p < expected.size(); ++p) {
    const double mean = expected[p];
    if (!(mean >= 0.0) || !std::isfinite(mean)) {
      throw std::invalid_argument("PoissonCounter: expected counts must be finite and >= 0");
    }
    out[p] = 0;
    if (mean >= kDimBelow) {
      add_saturating(out[p], poisson(rng, mean));
    } else if (mean > 0.0) {
      dim_.push_back(static_cast<std::uint32_t>(p));
      weights_.push_back(mean);
    }
  }
  const double dim_total = build_alias();
  if (dim_total > 0.0) {
    const std::uint64_t n = poisson(rng, dim_total);
    const auto slots = static_cast<std::uint32_t>(dim_.size());
    for (std::uint64_t k = 0; k < n; ++k) {
      const std::uint32_t s = uniform_below(rng, slots);
      const std::uint32_t chosen = uniform01(rng) < weights_[s] ? s : alias_[s];
      add_saturating(out[dim_[chosen]], 1);
    }
  }
  const double dark = dark_per_pixel * static_cast<double>(out.size());
  if (dark > 0.0) {
    const std::uint64_t n = poisson(rng, dark);
    const auto pixels = static_cast<std::uint32_t>(out.size());
    for (std::uint64_t k = 0; k < n; ++k) add_saturating(out[uniform_below(rng, pixels)], 1);
  }
}

void PoissonCounter::count(std::span<const double> expected, double dark_per_pixel, Xoshiro256& rng,
                           std::span<std::uint8_t> out) {
  count_typed(expected, dark_per_pixel, rng, out);
}
void PoissonCounter::count(std::span<const double> expected, double dark_per_pixel, Xoshiro256& rng,
                           std::span<std::uint16_t> out) {
  count_typed(expected, dark_per_pixel, rng, out);
}
void PoissonCounter::count(std::span<const double> expected, double dark_per_pixel, Xoshiro256& rng,
                           std::span<std::uint32_t> out) {
  count_typed(expected, dark_per_pixel, rng, out);
}

}  // namespace edgeloop::sims
