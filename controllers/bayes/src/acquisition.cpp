#include "edgeloop/controllers/bayes/acquisition.hpp"

#include <cmath>
#include <numbers>

namespace edgeloop::bayes {
namespace {

const double kLogSqrt2Pi = 0.5 * std::log(2.0 * std::numbers::pi);
constexpr double kInvSqrt2 = 0.70710678118654752440;

}  // namespace

double erfcx(double x) {
  // Below 25, exp(x^2) and erfc(x) are both representable (erfc(25) ~ 8e-274), so the product
  // is accurate. Above, the asymptotic series is exact to ~1e-13 after four terms.
  if (x < 25.0) return std::exp(x * x) * std::erfc(x);
  const double t = 1.0 / (2.0 * x * x);
  return (1.0 - t * (1.0 - 3.0 * t * (1.0 - 5.0 * t))) / (x * std::sqrt(std::numbers::pi));
}

double log_normal_cdf(double z) {
  if (z > -5.0) return std::log(0.5 * std::erfc(-z * kInvSqrt2));
  // Phi(z) = erfc(x)/2 = erfcx(x) exp(-x^2)/2 with x = -z/sqrt2.
  const double x = -z * kInvSqrt2;
  return std::log(0.5 * erfcx(x)) - x * x;
}

double log_h(double z, double* derivative) {
  double value;
  if (z > -1.0) {
    const double pdf = std::exp(-0.5 * z * z) / std::sqrt(2.0 * std::numbers::pi);
    const double cdf = 0.5 * std::erfc(-z * kInvSqrt2);
    value = std::log(pdf + z * cdf);
  } else {
    // h(z) = phi(z) (1 - x sqrt(pi) erfcx(x)) with x = -z/sqrt2 > 0; the bracket would cancel
    // catastrophically for large x, so it comes from the asymptotic series there.
    const double x = -z * kInvSqrt2;
    double bracket_log;
    if (x < 25.0) {
      bracket_log = std::log1p(-x * std::sqrt(std::numbers::pi) * erfcx(x));
    } else {
      // 1 - x sqrt(pi) erfcx(x) = t (1 - 3t + 15t^2 - 105t^3 + ...), t = 1/(2x^2).
      const double t = 1.0 / (2.0 * x * x);
      bracket_log = std::log(t) + std::log1p(-3.0 * t * (1.0 - 5.0 * t * (1.0 - 7.0 * t)));
    }
    value = -0.5 * z * z - kLogSqrt2Pi + bracket_log;
  }
  // h'(z) = Phi(z), so d log h / dz = exp(log Phi(z) - log h(z)).
  if (derivative != nullptr) *derivative = std::exp(log_normal_cdf(z) - value);
  return value;
}

AcquisitionValue log_expected_improvement(double mean, double stddev, double best) {
  const double z = (mean - best) / stddev;
  double dh = 0;
  const double value = log_h(z, &dh) + std::log(stddev);
  // dz/dmean = 1/sd; dz/dsd = -z/sd.
  return {value, dh / stddev, -dh * z / stddev + 1.0 / stddev};
}

AcquisitionValue upper_confidence_bound(double mean, double stddev, double beta) {
  const double s = std::sqrt(beta);
  return {mean + s * stddev, 1.0, s};
}

AcquisitionValue log_probability_of_improvement(double mean, double stddev, double best) {
  const double z = (mean - best) / stddev;
  const double lp = log_normal_cdf(z);
  // d log Phi / dz = phi(z) / Phi(z).
  const double ratio = std::exp(-0.5 * z * z - kLogSqrt2Pi - lp);
  return {lp, ratio / stddev, -ratio * z / stddev};
}

}  // namespace edgeloop::bayes
