#include "edgeloop/sims/reciprocal_lattice.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

namespace edgeloop::sims {
namespace {

// g = h b1 + k b2 in the lattice's own frame (b1 along 0).
std::array<double, 2> vector_of(Lattice lattice, int h, int k) {
  const double b2 = lattice == Lattice::Hexagonal ? std::numbers::pi / 3.0 : std::numbers::pi / 2.0;
  return {h + k * std::cos(b2), k * std::sin(b2)};
}

TEST(ReciprocalLattice, ReflectionsAreTheFirstTwoShellsOfTheLattice) {
  for (const Lattice lattice : {Lattice::Hexagonal, Lattice::Square}) {
    const auto list = reflections(lattice);
    EXPECT_EQ(list.size(), lattice == Lattice::Hexagonal ? 12U : 8U);
    for (const Reflection& r : list) {
      // Angle and length agree with the indices.
      const auto [gx, gy] = vector_of(lattice, r.h, r.k);
      EXPECT_NEAR(std::hypot(gx, gy), r.length, 1e-12);
      EXPECT_NEAR(std::cos(std::atan2(gy, gx) - r.angle), 1.0, 1e-12);
      EXPECT_NEAR(
          r.length,
          r.order == 1 ? 1.0 : (lattice == Lattice::Hexagonal ? std::sqrt(3.0) : std::sqrt(2.0)),
          1e-12);
      // Friedel pairs: -g is in the list too.
      const bool paired = std::any_of(list.begin(), list.end(), [&](const Reflection& o) {
        return o.h == -r.h && o.k == -r.k;
      });
      EXPECT_TRUE(paired);
    }
  }
}

TEST(ReciprocalLattice, RealBasisIsDualToTheReciprocalOne) {
  for (const Lattice lattice : {Lattice::Hexagonal, Lattice::Square}) {
    const double orientation = 0.37;
    const auto a = real_basis(lattice, orientation);
    const double b2 =
        lattice == Lattice::Hexagonal ? std::numbers::pi / 3.0 : std::numbers::pi / 2.0;
    const std::array<std::array<double, 2>, 2> b = {
        {{std::cos(orientation), std::sin(orientation)},
         {std::cos(orientation + b2), std::sin(orientation + b2)}}};
    for (int i = 0; i < 2; ++i) {
      for (int j = 0; j < 2; ++j) {
        const double dot = a[static_cast<std::size_t>(i)][0] * b[static_cast<std::size_t>(j)][0] +
                           a[static_cast<std::size_t>(i)][1] * b[static_cast<std::size_t>(j)][1];
        EXPECT_NEAR(dot, i == j ? 1.0 : 0.0, 1e-12);
      }
    }
  }
}

TEST(ReciprocalLattice, OrientationsWrapIntoTheSymmetryAngle) {
  EXPECT_NEAR(symmetry_angle(Lattice::Hexagonal), std::numbers::pi / 3.0, 1e-15);
  EXPECT_NEAR(symmetry_angle(Lattice::Square), std::numbers::pi / 2.0, 1e-15);
  EXPECT_NEAR(wrap_orientation(Lattice::Square, 2.0), 2.0 - std::numbers::pi / 2.0, 1e-12);
  EXPECT_NEAR(wrap_orientation(Lattice::Hexagonal, -0.1), std::numbers::pi / 3.0 - 0.1, 1e-12);
  EXPECT_EQ(wrap_orientation(Lattice::Hexagonal, -1e-18), 0.0);
  const double w = wrap_orientation(Lattice::Hexagonal, 123.456);
  EXPECT_GE(w, 0.0);
  EXPECT_LT(w, symmetry_angle(Lattice::Hexagonal));
}

}  // namespace
}  // namespace edgeloop::sims
