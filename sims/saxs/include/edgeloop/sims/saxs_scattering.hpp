// The scattering a sample structure produces: its absolute cross-section dΣ/dΩ(q), computed on a
// 1-D q grid once per sample state so every detector pixel can interpolate it.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "edgeloop/sims/saxs_form_factors.hpp"
#include "edgeloop/sims/saxs_sample.hpp"

namespace edgeloop::sims {

// I(q) on the uniform grid q_k = k * q_step, k = 0..size-1, in cm⁻¹.
class IntensityCurve {
 public:
  IntensityCurve(double q_step_nm, std::vector<double> intensity_per_cm);

  std::size_t size() const { return intensity_.size(); }
  double q_step() const { return q_step_; }
  double q_max() const { return q_step_ * static_cast<double>(intensity_.size() - 1); }
  double q(std::size_t k) const { return q_step_ * static_cast<double>(k); }
  std::span<const double> intensity() const { return intensity_; }
  // Linear interpolation; q beyond the grid takes the last value.
  double at(double q_nm) const;

 private:
  double q_step_;
  std::vector<double> intensity_;
};

// dΣ/dΩ(q) = Σ_phases φ Δρ² <V² P(q)>/<V> (· S(q) for spheres when enabled), in cm⁻¹:
// spheres and cylinders with Schulz-distributed radii, each phase as dilute particles apart from
// the spheres' hard-sphere structure factor, which uses the mean radius (the monodisperse
// approximation: adequate at the modest polydispersities of the model, and it leaves the zeros
// of P(q) in place). A background is not included: it belongs to the measurement.
//
// Immutable after construction (it holds the cylinder Bessel table); one per device.
class SaxsScatteringModel {
 public:
  // The grid covers [0, q_max_nm] with `points` values (at least 16).
  SaxsScatteringModel(double q_max_nm, std::size_t points);

  double q_max() const { return q_max_; }
  std::size_t points() const { return q_.size(); }
  std::span<const double> q() const { return q_; }

  IntensityCurve curve(const SampleStructure& structure) const;
  // One q, without building a curve (for tabulating optimisation targets).
  double intensity_at(const SampleStructure& structure, double q_nm) const;

  const CylinderFormFactor& cylinders() const { return cylinders_; }

 private:
  double q_max_;
  std::vector<double> q_;
  CylinderFormFactor cylinders_;
};

}  // namespace edgeloop::sims
