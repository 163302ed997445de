// The Porod (scattering) invariant Q = ∫ I(q) q² dq of a SAXS curve over its measured q range:
// proportional to the sample's mean-square contrast, φ(1-φ)Δρ² for two phases.
#pragma once

#include <cstddef>
#include <span>

namespace edgeloop::saxs {

// Units: I's unit × q's unit³, e.g. counts·nm⁻³ for I in counts and q in nm⁻¹, or cm⁻¹·Å⁻³ on
// an absolute scale in Å⁻¹ (2π² φ(1-φ)Δρ² needs the integral to infinity, which this is not).
struct PorodInvariant {
  double value;
  double error;            // propagated from the points' σ as independent; NaN without errors
  std::size_t points = 0;  // usable points integrated over
  double q_first;          // the range integrated over
  double q_last;
};

// Trapezoid rule over the usable points (finite q and I; others, such as empty bins, are
// bridged by the trapezoid between their neighbours), taken in order of q, with no extrapolation
// below the first or beyond the last point. Written as Q = Σ c_i I_i with c_i = q_i² (q_{i+1} -
// q_{i-1}) / 2 (one-sided at the ends), so σ_Q = sqrt(Σ c_i² σ_i²). Everything is NaN with fewer
// than two usable points. `sigma` may be empty; std::invalid_argument when the sizes differ.
PorodInvariant porod_invariant(std::span<const double> q, std::span<const double> intensity,
                               std::span<const double> sigma);

}  // namespace edgeloop::saxs
