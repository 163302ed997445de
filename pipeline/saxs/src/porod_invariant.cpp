#include "edgeloop/pipeline/saxs/porod_invariant.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

namespace edgeloop::saxs {

PorodInvariant porod_invariant(std::span<const double> q, std::span<const double> intensity,
                               std::span<const double> sigma) {
  if (intensity.size() != q.size() || (!sigma.empty() && sigma.size() != q.size())) {
    throw std::invalid_argument("porod_invariant: q, intensity and sigma differ in size");
  }
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  std::vector<std::size_t> usable;
  for (std::size_t i = 0; i < q.size(); ++i) {
    if (std::isfinite(q[i]) && std::isfinite(intensity[i])) usable.push_back(i);
  }
  std::stable_sort(usable.begin(), usable.end(),
                   [&](std::size_t a, std::size_t b) { return q[a] < q[b]; });
  PorodInvariant result{kNaN, kNaN, usable.size(), kNaN, kNaN};
  if (usable.size() < 2) return result;

  double value = 0.0;
  double variance = sigma.empty() ? kNaN : 0.0;
  const std::size_t n = usable.size();
  for (std::size_t j = 0; j < n; ++j) {
    const std::size_t i = usable[j];
    const double left = q[usable[j == 0 ? 0 : j - 1]];
    const double right = q[usable[j + 1 == n ? n - 1 : j + 1]];
    const double c = q[i] * q[i] * 0.5 * (right - left);
    value += c * intensity[i];
    if (!sigma.empty()) variance += c * c * sigma[i] * sigma[i];
  }
  result.value = value;
  result.error = std::sqrt(variance);
  result.q_first = q[usable.front()];
  result.q_last = q[usable.back()];
  return result;
}

}  // namespace edgeloop::saxs
