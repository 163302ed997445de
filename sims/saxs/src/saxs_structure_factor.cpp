#include "edgeloop/sims/saxs_structure_factor.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace edgeloop::sims {
namespace {

constexpr double kSeriesBelow = 0.2;

double closed_form(double a, double phi) {
  const double one_minus = 1.0 - phi;
  const double d4 = one_minus * one_minus * one_minus * one_minus;
  const double alpha = (1.0 + 2.0 * phi) * (1.0 + 2.0 * phi) / d4;
  const double beta = -6.0 * phi * (1.0 + 0.5 * phi) * (1.0 + 0.5 * phi) / d4;
  const double gamma = 0.5 * phi * alpha;
  const double s = std::sin(a);
  const double c = std::cos(a);
  const double a2 = a * a;
  const double a3 = a2 * a;
  const double g =
      alpha * (s - a * c) / a2 + beta * (2.0 * a * s + (2.0 - a2) * c - 2.0) / a3 +
      gamma * (-a2 * a2 * c + 4.0 * ((3.0 * a2 - 6.0) * c + (a3 - 6.0 * a) * s + 6.0)) / (a3 * a2);
  return 1.0 / (1.0 + 24.0 * phi * g / a);
}

}  // namespace

double hard_sphere_structure_factor(double q_nm, double radius_nm, double volume_fraction) {
  if (!std::isfinite(q_nm) || q_nm < 0.0) {
    throw std::invalid_argument("structure factor: q must be >= 0");
  }
  if (!std::isfinite(radius_nm) || radius_nm <= 0.0) {
    throw std::invalid_argument("structure factor: radius must be > 0 nm");
  }
  if (!(volume_fraction >= 0.0 && volume_fraction <= kMaxHardSphereVolumeFraction)) {
    throw std::invalid_argument("structure factor: volume fraction must be within 0..0.45, got " +
                                std::to_string(volume_fraction));
  }
  const double phi = volume_fraction;
  if (phi == 0.0) return 1.0;
  const double a = 2.0 * q_nm * radius_nm;
  if (a >= kSeriesBelow) return closed_form(a, phi);
  const double one_minus = 1.0 - phi;
  const double s0 =
      one_minus * one_minus * one_minus * one_minus / ((1.0 + 2.0 * phi) * (1.0 + 2.0 * phi));
  const double t = a / kSeriesBelow;
  return s0 + (closed_form(kSeriesBelow, phi) - s0) * t * t;
}

}  // namespace edgeloop::sims
