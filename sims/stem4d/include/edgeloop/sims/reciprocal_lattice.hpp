// The 2-D lattice of a crystal phase as seen down the beam: its reflections (what a diffraction
// pattern shows) and the real-space translations that go with them (what a dislocation shifts).
#pragma once

#include <array>
#include <span>

namespace edgeloop::sims {

enum class Lattice { Hexagonal, Square };

// The rotation that maps the lattice onto itself: 60 degrees (hexagonal) or 90 (square), in
// radians. Orientations are only meaningful modulo this angle.
double symmetry_angle(Lattice lattice);

// Wraps an orientation into [0, symmetry_angle(lattice)).
double wrap_orientation(Lattice lattice, double orientation);

// One reflection g = h b1 + k b2. The basis vector b1 points along the grain's orientation and
// b2 is b1 turned by 60 degrees (hexagonal) or 90 (square); both are as long as the phase's
// first-order spacing.
struct Reflection {
  int h;
  int k;
  int order;      // 1: the first shell, 2: the second
  double angle;   // direction relative to b1, in radians, towards +y
  double length;  // in units of |b1|
};

// The first two shells, both signs: 12 reflections for a hexagonal lattice, 8 for a square one.
std::span<const Reflection> reflections(Lattice lattice);

// The real-space basis a1, a2 dual to b1, b2 (a_i . b_j = delta_ij) for a lattice at the given
// orientation, in units of 1/|b1|: lattice translations, such as a dislocation's Burgers vector.
std::array<std::array<double, 2>, 2> real_basis(Lattice lattice, double orientation);

}  // namespace edgeloop::sims
