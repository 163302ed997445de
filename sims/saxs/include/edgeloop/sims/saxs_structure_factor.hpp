// The hard-sphere structure factor in the Percus–Yevick approximation: how interactions between
// concentrated spheres suppress the scattering at low q and add a correlation peak.
#pragma once

namespace edgeloop::sims {

// Largest volume fraction accepted: the PY closure stays physical up to random close packing
// (about 0.64), but its predictions degrade well before, above about 0.45.
inline constexpr double kMaxHardSphereVolumeFraction = 0.45;

// S(q) for hard spheres of radius `radius_nm` at volume fraction φ (0..0.45), from the analytic
// PY solution (Wertheim; Thiele): with A = 2 q R,
//   S = 1 / (1 + 24 φ G(A) / A),  G(A) = ∫₀¹ (α x + β x² + γ x⁴) sin(A x) dx,
//   α = (1 + 2φ)² / (1 - φ)⁴,  β = -6φ (1 + φ/2)² / (1 - φ)⁴,  γ = φ α / 2,
// G in closed form. Below A = 0.2 the closed form cancels badly, so S is interpolated in A²
// (S is even in A) between S(0) = (1 - φ)⁴ / (1 + 2φ)² and S(0.2). φ = 0 gives 1.
// std::invalid_argument for an input out of range.
double hard_sphere_structure_factor(double q_nm, double radius_nm, double volume_fraction);

}  // namespace edgeloop::sims
