#include "edgeloop/sims/probe_optics.hpp"

#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

namespace edgeloop::sims {
namespace {

constexpr double kHcEvNm = 1239.84198;         // Planck constant x speed of light, eV nm
constexpr double kElectronRestEv = 510998.95;  // m c^2 of the electron, eV

void require(bool ok, const std::string& what) {
  if (!ok) throw std::invalid_argument("ProbeOptics: " + what);
}

}  // namespace

void ProbeOptics::validate() const {
  require(std::isfinite(beam_energy_kv) && beam_energy_kv >= 1.0 && beam_energy_kv <= 3000.0,
          "beam_energy_kv must be within 1..3000, got " + std::to_string(beam_energy_kv));
  require(std::isfinite(convergence_mrad) && convergence_mrad > 0.0 && convergence_mrad <= 200.0,
          "convergence_mrad must be within (0, 200], got " + std::to_string(convergence_mrad));
  require(std::isfinite(cs_mm) && std::abs(cs_mm) <= 100.0,
          "cs_mm must be within -100..100, got " + std::to_string(cs_mm));
  require(std::isfinite(aperture_edge_mrad) && aperture_edge_mrad >= 0.0 &&
              aperture_edge_mrad < convergence_mrad,
          "aperture_edge_mrad must be >= 0 and below convergence_mrad, got " +
              std::to_string(aperture_edge_mrad));
}

double ProbeOptics::wavelength_nm() const {
  const double e = beam_energy_kv * 1e3;
  return kHcEvNm / std::sqrt(e * (e + 2.0 * kElectronRestEv));
}

double ProbeOptics::interaction_constant() const {
  // sigma = 2 pi m e lambda / h^2, written with the relativistic mass as energies.
  const double e = beam_energy_kv * 1e3;
  return 2.0 * std::numbers::pi / (wavelength_nm() * e) * (kElectronRestEv + e) /
         (2.0 * kElectronRestEv + e);
}

double ProbeOptics::aperture_per_nm() const {
  return convergence_mrad * 1e-3 / wavelength_nm();
}

double ProbeOptics::aberration(double k2, double defocus_nm) const {
  const double lambda = wavelength_nm();
  const double cs_nm = cs_mm * 1e6;
  return std::numbers::pi * lambda * k2 * (defocus_nm + 0.5 * cs_nm * lambda * lambda * k2);
}

}  // namespace edgeloop::sims
