#include "edgeloop/sims/saxs_scattering.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "edgeloop/sims/saxs_size_distribution.hpp"
#include "edgeloop/sims/saxs_structure_factor.hpp"

namespace edgeloop::sims {

IntensityCurve::IntensityCurve(double q_step_nm, std::vector<double> intensity_per_cm)
    : q_step_(q_step_nm), intensity_(std::move(intensity_per_cm)) {
  if (!std::isfinite(q_step_) || q_step_ <= 0.0 || intensity_.size() < 2) {
    throw std::invalid_argument("IntensityCurve: needs a positive q step and at least 2 points");
  }
}

double IntensityCurve::at(double q_nm) const {
  const double position = std::max(q_nm, 0.0) / q_step_;
  const double last = static_cast<double>(intensity_.size() - 1);
  if (!(position < last)) return intensity_.back();  // also catches NaN
  const auto k = static_cast<std::size_t>(position);
  const double f = position - static_cast<double>(k);
  return intensity_[k] + f * (intensity_[k + 1] - intensity_[k]);
}

SaxsScatteringModel::SaxsScatteringModel(double q_max_nm, std::size_t points) : q_max_(q_max_nm) {
  if (!std::isfinite(q_max_nm) || q_max_nm <= 0.0 || q_max_nm > 100.0) {
    throw std::invalid_argument("SaxsScatteringModel: q_max must be within (0, 100] nm⁻¹, got " +
                                std::to_string(q_max_nm));
  }
  if (points < 16 || points > (1U << 20)) {
    throw std::invalid_argument("SaxsScatteringModel: points must be within 16..1048576");
  }
  q_.resize(points);
  for (std::size_t k = 0; k < points; ++k) {
    q_[k] = q_max_nm * static_cast<double>(k) / static_cast<double>(points - 1);
  }
}

IntensityCurve SaxsScatteringModel::curve(const SampleStructure& structure) const {
  std::vector<double> total(q_.size(), 0.0);
  std::vector<double> phase(q_.size());
  const PhaseStructure& sp = structure.spheres;
  if (sp.volume_fraction > 0.0) {
    const auto nodes = schulz_nodes(sp.radius_nm, sp.polydispersity, q_max_);
    sphere_population_factor(q_, nodes, phase);
    const double scale = kPerCmPerNm3 * sp.volume_fraction * sp.contrast * sp.contrast;
    for (std::size_t k = 0; k < q_.size(); ++k) {
      const double s = structure.structure_factor
                           ? hard_sphere_structure_factor(q_[k], sp.radius_nm, sp.volume_fraction)
                           : 1.0;
      total[k] += scale * phase[k] * s;
    }
  }
  const PhaseStructure& cy = structure.cylinders;
  if (cy.volume_fraction > 0.0) {
    const auto nodes = schulz_nodes(cy.radius_nm, cy.polydispersity, q_max_);
    cylinders_.population_factor(q_, cy.length_nm, nodes, phase);
    const double scale = kPerCmPerNm3 * cy.volume_fraction * cy.contrast * cy.contrast;
    for (std::size_t k = 0; k < q_.size(); ++k) total[k] += scale * phase[k];
  }
  return {q_[1], std::move(total)};
}

double SaxsScatteringModel::intensity_at(const SampleStructure& structure, double q_nm) const {
  double total = 0.0;
  const PhaseStructure& sp = structure.spheres;
  if (sp.volume_fraction > 0.0) {
    const auto nodes = schulz_nodes(sp.radius_nm, sp.polydispersity, q_nm);
    double value = 0.0;
    sphere_population_factor(std::span<const double>(&q_nm, 1), nodes,
                             std::span<double>(&value, 1));
    const double s = structure.structure_factor
                         ? hard_sphere_structure_factor(q_nm, sp.radius_nm, sp.volume_fraction)
                         : 1.0;
    total += kPerCmPerNm3 * sp.volume_fraction * sp.contrast * sp.contrast * value * s;
  }
  const PhaseStructure& cy = structure.cylinders;
  if (cy.volume_fraction > 0.0) {
    const auto nodes = schulz_nodes(cy.radius_nm, cy.polydispersity, q_nm);
    total += kPerCmPerNm3 * cy.volume_fraction * cy.contrast * cy.contrast *
             cylinders_.population_factor(q_nm, cy.length_nm, nodes);
  }
  return total;
}

}  // namespace edgeloop::sims
