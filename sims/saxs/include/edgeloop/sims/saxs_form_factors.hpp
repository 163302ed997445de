// Form factors of the particles in the simulated SAXS sample (homogeneous spheres and randomly
// oriented cylinders), for one particle and averaged over a distribution of radii.
#pragma once

#include <span>
#include <vector>

#include "edgeloop/sims/saxs_size_distribution.hpp"

namespace edgeloop::sims {

// Units: q in nm⁻¹, lengths in nm, volumes in nm³. Every form factor P is normalised to
// P(0) = 1. A "population factor" <V² P(q)> / <V> (nm³, averages over the number
// distribution) is what multiplies φ Δρ² to give the scattering of a dilute population of
// volume fraction φ and contrast Δρ.

// 3 (sin x - x cos x) / x³, the sphere's normalised amplitude; a series near 0, where the
// closed form cancels catastrophically.
double sphere_amplitude(double qr);
// [3 (sin qR - qR cos qR) / (qR)³]²; its zeros lie at qR = 4.493, 7.725, 10.904, ...
double sphere_form_factor(double q_nm, double radius_nm);
double sphere_volume_nm3(double radius_nm);

// <V² P(q)> / <V> for spheres with radii given by `radii`, at every q of `q_nm` (out has the
// same size).
void sphere_population_factor(std::span<const double> q_nm, std::span<const SizeNode> radii,
                              std::span<double> out);

// Randomly oriented right circular cylinders of radius R and length L:
//   P(q) = ∫₀^{π/2} [2 J1(qR sin α) / (qR sin α) · sin(qL cos α / 2) / (qL cos α / 2)]² sin α dα
// integrated with Simpson's rule on at least 8 nodes per oscillation of the integrand (the count
// grows with q (R + L/2)).
//
// J1 comes from a table built once per object (std::cyl_bessel_j costs about a microsecond a
// call, and a curve needs millions) with linear interpolation below x = 25 and the Hankel
// asymptotic expansion above: |error| < 2e-6 everywhere. Immutable after construction.
class CylinderFormFactor {
 public:
  CylinderFormFactor();

  double bessel_j1(double x) const;
  // 2 J1(x) / x, 1 at x = 0: the amplitude of a disc (the cylinder's cross-section).
  double disc_amplitude(double x) const;
  // Orientation-averaged P(q) of one cylinder.
  double form_factor(double q_nm, double radius_nm, double length_nm) const;
  // <V² P(q)> / <V> for cylinders of one length and radii given by `radii`.
  double population_factor(double q_nm, double length_nm, std::span<const SizeNode> radii) const;
  // The same at every q of `q_nm`, which must be sorted ascending. Faster than point by point:
  // the radius average of the disc term depends on q sin α only, so it is tabulated once.
  void population_factor(std::span<const double> q_nm, double length_nm,
                         std::span<const SizeNode> radii, std::span<double> out) const;

 private:
  std::vector<double> j1_table_;
};

}  // namespace edgeloop::sims
