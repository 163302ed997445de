#include "edgeloop/sims/saxs_structure_factor.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

namespace edgeloop::sims {
namespace {

// S(q) = 1 / (1 - ρ ĉ(q)) from a numerical Fourier transform of the PY direct correlation
// function c(x) = -λ1 - 6φ λ2 x - φ/2 λ1 x³ (x = r/σ < 1), independent of the closed form.
double numerical_py(double q, double radius, double phi) {
  const double d4 = std::pow(1.0 - phi, 4);
  const double l1 = std::pow(1.0 + 2.0 * phi, 2) / d4;
  const double l2 = -std::pow(1.0 + 0.5 * phi, 2) / d4;
  const double a = 2.0 * q * radius;
  const int n = 20000;
  double integral = 0.0;
  for (int k = 0; k < n; ++k) {
    const double x = (k + 0.5) / n;
    const double c = -l1 - 6.0 * phi * l2 * x - 0.5 * phi * l1 * x * x * x;
    const double kernel = a * x < 1e-9 ? 1.0 : std::sin(a * x) / (a * x);
    integral += x * x * c * kernel;
  }
  integral /= n;
  return 1.0 / (1.0 - 24.0 * phi * integral);
}

TEST(HardSphereStructureFactor, MatchesTheNumericalTransform) {
  for (const double phi : {0.05, 0.2, 0.4}) {
    for (const double q : {0.001, 0.02, 0.1, 0.25, 0.5, 1.0}) {
      EXPECT_NEAR(hard_sphere_structure_factor(q, 10.0, phi), numerical_py(q, 10.0, phi), 2e-4)
          << "phi=" << phi << " q=" << q;
    }
  }
}

TEST(HardSphereStructureFactor, KnownLimits) {
  const double phi = 0.3;
  const double s0 = std::pow(1.0 - phi, 4) / std::pow(1.0 + 2.0 * phi, 2);
  EXPECT_DOUBLE_EQ(hard_sphere_structure_factor(0.0, 5.0, phi), s0);
  EXPECT_NEAR(hard_sphere_structure_factor(20.0, 5.0, phi), 1.0, 0.01);
  EXPECT_EQ(hard_sphere_structure_factor(0.3, 5.0, 0.0), 1.0);
  // Continuous across the switch to the small-A interpolation (A = 2qR = 0.2).
  EXPECT_NEAR(hard_sphere_structure_factor(0.02 - 1e-9, 5.0, phi),
              hard_sphere_structure_factor(0.02 + 1e-9, 5.0, phi), 1e-6);
  // The correlation peak near q·2R ≈ 2π exceeds 1.
  EXPECT_GT(hard_sphere_structure_factor(2.0 * M_PI / 10.0, 5.0, phi), 1.2);
}

TEST(HardSphereStructureFactor, RejectsBadInput) {
  EXPECT_THROW((void)hard_sphere_structure_factor(0.1, 5.0, 0.5), std::invalid_argument);
  EXPECT_THROW((void)hard_sphere_structure_factor(0.1, 5.0, -0.1), std::invalid_argument);
  EXPECT_THROW((void)hard_sphere_structure_factor(0.1, 0.0, 0.1), std::invalid_argument);
  EXPECT_THROW((void)hard_sphere_structure_factor(std::nan(""), 5.0, 0.1), std::invalid_argument);
}

}  // namespace
}  // namespace edgeloop::sims
