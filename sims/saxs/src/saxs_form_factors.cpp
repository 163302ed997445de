#include "edgeloop/sims/saxs_form_factors.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

namespace edgeloop::sims {
namespace {

// J1 is tabulated on [0, kTableEnd] with kTableStep spacing; above, the asymptotic series with
// three terms is better than the table's interpolation error.
constexpr double kTableEnd = 25.0;
constexpr double kTableStep = 1.0 / 256.0;

double sinc(double x) {
  if (std::abs(x) < 1e-4) return 1.0 - x * x / 6.0;
  return std::sin(x) / x;
}

// Simpson's rule on [0, π/2] over α, with enough intervals for a total phase of the integrand's
// oscillating factors of `phase` radians (their squares repeat every π).
int alpha_intervals(double phase) {
  const int n = 32 + static_cast<int>(std::ceil(8.0 * phase / std::numbers::pi));
  return std::min(n + n % 2, 8192);
}

double simpson_weight(int k, int n) {
  if (k == 0 || k == n) return 1.0;
  return k % 2 == 1 ? 4.0 : 2.0;
}

void check_q(double q_nm) {
  if (!std::isfinite(q_nm) || q_nm < 0.0) {
    throw std::invalid_argument("form factor: q must be finite and >= 0, got " +
                                std::to_string(q_nm));
  }
}

void check_length(const char* what, double value) {
  if (!std::isfinite(value) || value <= 0.0) {
    throw std::invalid_argument(std::string("form factor: ") + what + " must be > 0 nm, got " +
                                std::to_string(value));
  }
}

}  // namespace

double sphere_amplitude(double qr) {
  const double x = std::abs(qr);
  if (x < 0.05) {
    const double x2 = x * x;
    return 1.0 - x2 / 10.0 + x2 * x2 / 280.0 - x2 * x2 * x2 / 15120.0;
  }
  return 3.0 * (std::sin(x) - x * std::cos(x)) / (x * x * x);
}

double sphere_form_factor(double q_nm, double radius_nm) {
  check_q(q_nm);
  check_length("sphere radius", radius_nm);
  const double a = sphere_amplitude(q_nm * radius_nm);
  return a * a;
}

double sphere_volume_nm3(double radius_nm) {
  return 4.0 / 3.0 * std::numbers::pi * radius_nm * radius_nm * radius_nm;
}

void sphere_population_factor(std::span<const double> q_nm, std::span<const SizeNode> radii,
                              std::span<double> out) {
  if (out.size() != q_nm.size() || radii.empty()) {
    throw std::invalid_argument("sphere_population_factor: sizes do not match");
  }
  double mean_volume = 0.0;
  for (const SizeNode& node : radii) mean_volume += node.weight * sphere_volume_nm3(node.radius_nm);
  std::fill(out.begin(), out.end(), 0.0);
  for (const SizeNode& node : radii) {
    const double v = sphere_volume_nm3(node.radius_nm);
    const double scale = node.weight * v * v / mean_volume;
    for (std::size_t k = 0; k < q_nm.size(); ++k) {
      const double a = sphere_amplitude(q_nm[k] * node.radius_nm);
      out[k] += scale * a * a;
    }
  }
}

CylinderFormFactor::CylinderFormFactor() {
  const auto n = static_cast<std::size_t>(std::lround(kTableEnd / kTableStep)) + 1;
  j1_table_.resize(n);
  for (std::size_t k = 0; k < n; ++k) {
    j1_table_[k] = std::cyl_bessel_j(1.0, static_cast<double>(k) * kTableStep);
  }
}

double CylinderFormFactor::bessel_j1(double x) const {
  if (x < 0.0) return -bessel_j1(-x);  // J1 is odd
  if (x < kTableEnd) {
    const double position = x / kTableStep;
    const auto k = static_cast<std::size_t>(position);
    const double f = position - static_cast<double>(k);
    return j1_table_[k] + f * (j1_table_[k + 1] - j1_table_[k]);
  }
  // Hankel's expansion: J1(x) = sqrt(2/(πx)) (P cos χ - Q sin χ), χ = x - 3π/4, with
  // μ = 4ν² = 4: P = 1 - (μ-1)(μ-9)/(2!(8x)²) + (μ-1)(μ-9)(μ-25)(μ-49)/(4!(8x)⁴),
  // Q = (μ-1)/(8x) - (μ-1)(μ-9)(μ-25)/(3!(8x)³).
  const double y = 8.0 * x;
  const double y2 = y * y;
  const double p = 1.0 + 15.0 / (2.0 * y2) - 14175.0 / (24.0 * y2 * y2);
  const double q = 3.0 / y - 315.0 / (6.0 * y2 * y);
  const double chi = x - 0.75 * std::numbers::pi;
  return std::sqrt(2.0 / (std::numbers::pi * x)) * (p * std::cos(chi) - q * std::sin(chi));
}

double CylinderFormFactor::disc_amplitude(double x) const {
  if (std::abs(x) < 1e-3) return 1.0 - x * x / 8.0;
  return 2.0 * bessel_j1(x) / x;
}

double CylinderFormFactor::form_factor(double q_nm, double radius_nm, double length_nm) const {
  const SizeNode one{radius_nm, 1.0};
  check_length("cylinder radius", radius_nm);
  const double volume = std::numbers::pi * radius_nm * radius_nm * length_nm;
  return population_factor(q_nm, length_nm, std::span<const SizeNode>(&one, 1)) / volume;
}

double CylinderFormFactor::population_factor(double q_nm, double length_nm,
                                             std::span<const SizeNode> radii) const {
  check_q(q_nm);
  check_length("cylinder length", length_nm);
  if (radii.empty()) throw std::invalid_argument("cylinder population: no radii");
  double r_max = 0.0;
  double mean_area = 0.0;
  for (const SizeNode& node : radii) {
    check_length("cylinder radius", node.radius_nm);
    r_max = std::max(r_max, node.radius_nm);
    mean_area += node.weight * node.radius_nm * node.radius_nm;
  }
  const int n = alpha_intervals(q_nm * (r_max + 0.5 * length_nm));
  const double h = 0.5 * std::numbers::pi / n;
  double integral = 0.0;
  for (int k = 0; k <= n; ++k) {
    const double alpha = k * h;
    const double s = q_nm * std::sin(alpha);
    const double along = sinc(0.5 * q_nm * length_nm * std::cos(alpha));
    double disc = 0.0;  // <R⁴ A²(q R sin α)>
    for (const SizeNode& node : radii) {
      const double r2 = node.radius_nm * node.radius_nm;
      const double a = disc_amplitude(s * node.radius_nm);
      disc += node.weight * r2 * r2 * a * a;
    }
    integral += simpson_weight(k, n) * disc * along * along * std::sin(alpha);
  }
  integral *= h / 3.0;
  // <V² P> / <V> with V = π R² L: π² L² <R⁴ ...> / (π L <R²>).
  return std::numbers::pi * length_nm * integral / mean_area;
}

void CylinderFormFactor::population_factor(std::span<const double> q_nm, double length_nm,
                                           std::span<const SizeNode> radii,
                                           std::span<double> out) const {
  if (out.size() != q_nm.size()) {
    throw std::invalid_argument("cylinder population: sizes do not match");
  }
  if (q_nm.empty()) return;
  check_length("cylinder length", length_nm);
  if (radii.empty()) throw std::invalid_argument("cylinder population: no radii");
  double r_max = 0.0;
  double mean_area = 0.0;
  for (const SizeNode& node : radii) {
    check_length("cylinder radius", node.radius_nm);
    r_max = std::max(r_max, node.radius_nm);
    mean_area += node.weight * node.radius_nm * node.radius_nm;
  }
  for (std::size_t k = 0; k < q_nm.size(); ++k) {
    check_q(q_nm[k]);
    if (k > 0 && q_nm[k] < q_nm[k - 1]) {
      throw std::invalid_argument("cylinder population: q must be sorted ascending");
    }
  }
  // disc(s) = <R⁴ A²(s R)> on a grid over [0, q_max], fine enough that linear interpolation
  // follows its oscillations (period about π / r_max in s) to well under 1e-4.
  const double s_max = q_nm.back();
  const std::size_t cells = std::clamp<std::size_t>(
      static_cast<std::size_t>(std::ceil(s_max * r_max / std::numbers::pi * 64.0)), 64, 1 << 16);
  const double ds = s_max > 0.0 ? s_max / static_cast<double>(cells) : 1.0;
  std::vector<double> disc(cells + 2);
  for (std::size_t m = 0; m < disc.size(); ++m) {
    const double s = static_cast<double>(m) * ds;
    double sum = 0.0;
    for (const SizeNode& node : radii) {
      const double r2 = node.radius_nm * node.radius_nm;
      const double a = disc_amplitude(s * node.radius_nm);
      sum += node.weight * r2 * r2 * a * a;
    }
    disc[m] = sum;
  }
  const auto disc_at = [&](double s) {
    const double position = std::min(s / ds, static_cast<double>(cells));
    const auto m = static_cast<std::size_t>(position);
    const double f = position - static_cast<double>(m);
    return disc[m] + f * (disc[m + 1] - disc[m]);
  };
  for (std::size_t k = 0; k < q_nm.size(); ++k) {
    const double q = q_nm[k];
    const int n = alpha_intervals(q * (r_max + 0.5 * length_nm));
    const double h = 0.5 * std::numbers::pi / n;
    double integral = 0.0;
    for (int j = 0; j <= n; ++j) {
      const double alpha = j * h;
      const double along = sinc(0.5 * q * length_nm * std::cos(alpha));
      integral +=
          simpson_weight(j, n) * disc_at(q * std::sin(alpha)) * along * along * std::sin(alpha);
    }
    out[k] = std::numbers::pi * length_nm * integral * h / 3.0 / mean_area;
  }
}

}  // namespace edgeloop::sims
