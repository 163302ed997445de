#include "edgeloop/pipeline/apt/background_estimate.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace edgeloop {

BackgroundModel background_model_from(std::string_view name) {
  if (name == "flat") return BackgroundModel::Flat;
  if (name == "inverse_sqrt") return BackgroundModel::InverseSqrt;
  throw std::invalid_argument("background_model '" + std::string(name) +
                              "' is not one of: flat, inverse_sqrt");
}

std::string_view background_model_name(BackgroundModel model) {
  return model == BackgroundModel::Flat ? "flat" : "inverse_sqrt";
}

BackgroundEstimate::BackgroundEstimate(double low, double high, BackgroundModel model)
    : low_(low), high_(high), model_(model) {
  if (!std::isfinite(low) || !std::isfinite(high) || low < 0.0 || !(low < high)) {
    throw std::invalid_argument("background_window [" + std::to_string(low) + ", " +
                                std::to_string(high) +
                                "] must be two finite values with 0 <= low < high (Da)");
  }
}

double BackgroundEstimate::integral(double a, double b) const {
  if (model_ == BackgroundModel::Flat) return b - a;
  return 2.0 * (std::sqrt(b) - std::sqrt(a));
}

double BackgroundEstimate::share(double a, double b) const {
  return integral(std::max(a, 0.0), std::max(b, 0.0)) / integral(low_, high_);
}

double BackgroundEstimate::level(double window_count, double mz) const {
  const double scale = window_count / integral(low_, high_);
  if (model_ == BackgroundModel::Flat) return scale;
  return mz > 0.0 ? scale / std::sqrt(mz) : 0.0;
}

}  // namespace edgeloop
