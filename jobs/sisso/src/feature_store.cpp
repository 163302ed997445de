#include "edgeloop/sisso/feature_store.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace edgeloop::sisso {

FeatureStore::FeatureStore(std::size_t samples) : samples_(samples) {
  if (samples == 0) throw std::invalid_argument("FeatureStore: no samples");
}

std::size_t FeatureStore::add(FeatureNode node, std::span<const double> values) {
  if (values.size() != samples_) {
    throw std::invalid_argument(
        fmt::format("FeatureStore::add: {} values for {} samples", values.size(), samples_));
  }
  node.rung = rungs();
  // Fortran's minval as SISSO relies on it: NaN values are skipped, and the minimum of
  // nothing but NaN is NaN (which then fails every domain test).
  node.min_value = std::numeric_limits<double>::quiet_NaN();
  node.min_abs = std::numeric_limits<double>::quiet_NaN();
  for (const double v : values) {
    if (std::isnan(v)) continue;
    if (!(node.min_value <= v)) node.min_value = v;
    if (!(node.min_abs <= std::fabs(v))) node.min_abs = std::fabs(v);
  }
  if (node.op == Op::Mul) {
    // SISSO tests whether the divisor's name is the left or the right factor of the product's
    // name, taking the first place that name occurs. For the left factor that place is always
    // right after "("; the right factor only counts if its name does not occur earlier.
    node.no_divide_by_first = node.first;
    const std::string& right = nodes_.at(static_cast<std::size_t>(node.second)).name;
    const std::size_t right_at = node.name.size() - 1 - right.size();
    if (node.name.find(right) == right_at) node.no_divide_by_second = node.second;
  }
  nodes_.push_back(std::move(node));
  values_.insert(values_.end(), values.begin(), values.end());
  return nodes_.size() - 1;
}

void FeatureStore::close_rung() {
  rung_ends_.push_back(nodes_.size());
}

std::size_t FeatureStore::rung_begin(int r) const {
  return r == 0 ? 0 : rung_ends_.at(static_cast<std::size_t>(r - 1));
}

std::size_t FeatureStore::rung_end(int r) const {
  return rung_ends_.at(static_cast<std::size_t>(r));
}

}  // namespace edgeloop::sisso
