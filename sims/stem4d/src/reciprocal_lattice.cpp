#include "edgeloop/sims/reciprocal_lattice.hpp"

#include <cmath>
#include <numbers>

namespace edgeloop::sims {
namespace {

constexpr double kPi = std::numbers::pi;
constexpr double kSqrt3 = std::numbers::sqrt3;
constexpr double kSqrt2 = std::numbers::sqrt2;

// Hexagonal: b1 at 0 and b2 at 60 degrees. The first shell is the six shortest vectors, the
// second the six sums of neighbours (b1 + b2 and its rotations), sqrt(3) times as long.
constexpr std::array<Reflection, 12> kHexagonal = {{
    {1, 0, 1, 0.0, 1.0},
    {0, 1, 1, kPi / 3.0, 1.0},
    {-1, 1, 1, 2.0 * kPi / 3.0, 1.0},
    {-1, 0, 1, kPi, 1.0},
    {0, -1, 1, 4.0 * kPi / 3.0, 1.0},
    {1, -1, 1, 5.0 * kPi / 3.0, 1.0},
    {1, 1, 2, kPi / 6.0, kSqrt3},
    {-1, 2, 2, kPi / 2.0, kSqrt3},
    {-2, 1, 2, 5.0 * kPi / 6.0, kSqrt3},
    {-1, -1, 2, 7.0 * kPi / 6.0, kSqrt3},
    {1, -2, 2, 3.0 * kPi / 2.0, kSqrt3},
    {2, -1, 2, 11.0 * kPi / 6.0, kSqrt3},
}};

// Square: b1 at 0 and b2 at 90 degrees; the second shell is the diagonals.
constexpr std::array<Reflection, 8> kSquare = {{
    {1, 0, 1, 0.0, 1.0},
    {0, 1, 1, kPi / 2.0, 1.0},
    {-1, 0, 1, kPi, 1.0},
    {0, -1, 1, 3.0 * kPi / 2.0, 1.0},
    {1, 1, 2, kPi / 4.0, kSqrt2},
    {-1, 1, 2, 3.0 * kPi / 4.0, kSqrt2},
    {-1, -1, 2, 5.0 * kPi / 4.0, kSqrt2},
    {1, -1, 2, 7.0 * kPi / 4.0, kSqrt2},
}};

}  // namespace

double symmetry_angle(Lattice lattice) {
  return lattice == Lattice::Hexagonal ? kPi / 3.0 : kPi / 2.0;
}

double wrap_orientation(Lattice lattice, double orientation) {
  const double period = symmetry_angle(lattice);
  double wrapped = std::fmod(orientation, period);
  if (wrapped < 0.0) wrapped += period;
  // fmod of a tiny negative number plus the period can round up to the period itself.
  return wrapped >= period ? 0.0 : wrapped;
}

std::span<const Reflection> reflections(Lattice lattice) {
  if (lattice == Lattice::Hexagonal) return kHexagonal;
  return kSquare;
}

std::array<std::array<double, 2>, 2> real_basis(Lattice lattice, double orientation) {
  // Hexagonal: a1 is perpendicular to b2 (at -30 degrees) and a2 to b1 (at +90), both
  // 2/sqrt(3) long so that a_i . b_i = 1. Square: the basis is its own dual.
  const bool hex = lattice == Lattice::Hexagonal;
  const double length = hex ? 2.0 / kSqrt3 : 1.0;
  const double a1 = orientation + (hex ? -kPi / 6.0 : 0.0);
  const double a2 = orientation + kPi / 2.0;
  return {{{length * std::cos(a1), length * std::sin(a1)},
           {length * std::cos(a2), length * std::sin(a2)}}};
}

}  // namespace edgeloop::sims
