#include "edgeloop/pipeline/ml/predictive_uncertainty.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace edgeloop::ml {
namespace {

double entropy_of(std::span<const double> p) {
  double h = 0.0;
  for (const double v : p) {
    if (v > 0.0) h -= v * std::log(v);
  }
  return h;
}

}  // namespace

PredictiveUncertainty summarise_samples(std::span<const double> samples, std::size_t classes) {
  if (classes == 0 || samples.empty() || samples.size() % classes != 0) {
    throw std::invalid_argument("summarise_samples: " + std::to_string(samples.size()) +
                                " values are not whole samples of " + std::to_string(classes) +
                                " classes");
  }
  const std::size_t n = samples.size() / classes;
  PredictiveUncertainty u;
  u.probabilities.assign(classes, 0.0);
  double mean_entropy = 0.0;
  for (std::size_t s = 0; s < n; ++s) {
    const auto row = samples.subspan(s * classes, classes);
    for (std::size_t c = 0; c < classes; ++c) u.probabilities[c] += row[c];
    mean_entropy += entropy_of(row);
  }
  for (double& p : u.probabilities) p /= static_cast<double>(n);
  mean_entropy /= static_cast<double>(n);
  u.label = static_cast<std::size_t>(
      std::max_element(u.probabilities.begin(), u.probabilities.end()) - u.probabilities.begin());
  u.entropy = entropy_of(u.probabilities);
  // Rounding can leave a hair below zero when every sample agrees.
  u.mutual_information = std::max(0.0, u.entropy - mean_entropy);
  return u;
}

double expected_calibration_error(std::span<const double> confidence,
                                  std::span<const std::uint8_t> correct, std::size_t bins) {
  if (confidence.size() != correct.size() || bins == 0) {
    throw std::invalid_argument("expected_calibration_error: mismatched inputs");
  }
  if (confidence.empty()) return 0.0;
  std::vector<double> conf_sum(bins, 0.0);
  std::vector<double> hits(bins, 0.0);
  std::vector<double> count(bins, 0.0);
  for (std::size_t i = 0; i < confidence.size(); ++i) {
    const double c = std::clamp(confidence[i], 0.0, 1.0);
    const auto b = std::min(bins - 1, static_cast<std::size_t>(c * static_cast<double>(bins)));
    conf_sum[b] += c;
    hits[b] += correct[i] != 0 ? 1.0 : 0.0;
    count[b] += 1.0;
  }
  double ece = 0.0;
  for (std::size_t b = 0; b < bins; ++b) {
    if (count[b] > 0.0) ece += std::abs(hits[b] - conf_sum[b]);
  }
  return ece / static_cast<double>(confidence.size());
}

}  // namespace edgeloop::ml
