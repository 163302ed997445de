// The electron optics that form a STEM probe (beam energy, convergence semi-angle, aberrations)
// and the wave-optical quantities that follow from them.
#pragma once

namespace edgeloop::sims {

struct ProbeOptics {
  double beam_energy_kv = 300.0;     // accelerating voltage: sets the wavelength
  double convergence_mrad = 2.0;     // semi-angle of the probe: the bright-field disc's radius
  double cs_mm = 0.0;                // spherical aberration; 0 for an aberration-corrected probe
  double aperture_edge_mrad = 0.02;  // soft rim of the condenser aperture (partial coherence)

  // Throws std::invalid_argument naming the setting that is out of range.
  void validate() const;

  // Relativistic de Broglie wavelength, in nm (1.97 pm at 300 kV, 2.51 pm at 200 kV).
  double wavelength_nm() const;
  // Interaction constant sigma, in rad / (V nm): the phase a projected potential of 1 V nm
  // gives the electron; smaller at higher energy, so fast electrons scatter less.
  double interaction_constant() const;
  // Radius of the bright-field disc in reciprocal space, alpha / lambda, in 1/nm.
  double aperture_per_nm() const;
  // Aberration phase chi(k) = pi lambda df k^2 + pi/2 Cs lambda^3 k^4 for a spatial frequency
  // k (1/nm, given as k^2) and a defocus df in nm; the probe is A(k) exp(-i chi(k)).
  double aberration(double k2, double defocus_nm) const;
};

}  // namespace edgeloop::sims
