#include "edgeloop/sims/saxs_sample.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

#include "edgeloop/sims/random.hpp"
#include "edgeloop/sims/saxs_size_distribution.hpp"
#include "edgeloop/sims/saxs_structure_factor.hpp"
#include "edgeloop/sims/seeding.hpp"

namespace edgeloop::sims {
namespace {

[[noreturn]] void invalid(const char* name, const std::string& problem) {
  throw std::invalid_argument(std::string("SaxsSample: ") + name + " " + problem);
}

void finite(const char* name, double value) {
  if (!std::isfinite(value)) invalid(name, "must be finite");
}

void positive(const char* name, double value) {
  if (!std::isfinite(value) || value <= 0.0) invalid(name, "must be > 0");
}

void fraction(const char* name, double value, double max) {
  if (!(value >= 0.0 && value <= max)) invalid(name, "must be within 0.." + std::to_string(max));
}

double smootherstep(double t) {
  t = std::clamp(t, 0.0, 1.0);
  return t * t * t * (t * (6.0 * t - 15.0) + 10.0);
}

}  // namespace

std::string_view morphology_name(Morphology morphology) {
  return morphology == Morphology::Spheres ? "spheres" : "cylinders";
}

SaxsSample::SaxsSample(const SaxsSampleSettings& settings, const SaxsStageLimits& limits,
                       std::uint64_t seed)
    : settings_(settings), limits_(limits) {
  const SaxsSampleSettings& s = settings_;
  const SaxsStageLimits& l = limits_;
  for (const auto& [name, value] :
       {std::pair{"x_min_mm", l.x_min_mm}, std::pair{"x_max_mm", l.x_max_mm},
        std::pair{"y_min_mm", l.y_min_mm}, std::pair{"y_max_mm", l.y_max_mm},
        std::pair{"temperature_min_c", l.temperature_min_c},
        std::pair{"temperature_max_c", l.temperature_max_c},
        std::pair{"reference_temperature_c", s.reference_temperature_c},
        std::pair{"boundary_x_mm", s.boundary_x_mm},
        std::pair{"sphere_contrast", s.sphere_contrast},
        std::pair{"cylinder_contrast", s.cylinder_contrast},
        std::pair{"sphere_swelling_per_c", s.sphere_swelling_per_c},
        std::pair{"cylinder_growth_per_c", s.cylinder_growth_per_c}}) {
    finite(name, value);
  }
  if (l.x_max_mm <= l.x_min_mm) invalid("x_max_mm", "must exceed x_min_mm");
  if (l.y_max_mm <= l.y_min_mm) invalid("y_max_mm", "must exceed y_min_mm");
  if (l.temperature_max_c < l.temperature_min_c) {
    invalid("temperature_max_c", "must not be below temperature_min_c");
  }
  if (!(s.boundary_width_mm >= 0.0)) invalid("boundary_width_mm", "must be >= 0");
  const double band_lo = s.boundary_x_mm - 0.5 * s.boundary_width_mm;
  const double band_hi = s.boundary_x_mm + 0.5 * s.boundary_width_mm;
  if (band_lo <= l.x_min_mm || band_hi >= l.x_max_mm) {
    invalid("boundary_x_mm",
            "with its band (boundary_width_mm) must lie strictly inside the stage");
  }
  positive("sphere_radius_min_nm", s.sphere_radius_min_nm);
  positive("sphere_radius_max_nm", s.sphere_radius_max_nm);
  if (s.sphere_radius_max_nm < s.sphere_radius_min_nm) {
    invalid("sphere_radius_max_nm", "must not be below sphere_radius_min_nm");
  }
  fraction("sphere_polydispersity_min", s.sphere_polydispersity_min, kMaxPolydispersity);
  fraction("sphere_polydispersity_max", s.sphere_polydispersity_max, kMaxPolydispersity);
  fraction("sphere_volume_fraction_peak", s.sphere_volume_fraction_peak,
           kMaxHardSphereVolumeFraction);
  fraction("sphere_volume_fraction_floor", s.sphere_volume_fraction_floor,
           s.sphere_volume_fraction_peak);
  positive("cylinder_radius_nm", s.cylinder_radius_nm);
  positive("cylinder_length_min_nm", s.cylinder_length_min_nm);
  positive("cylinder_length_max_nm", s.cylinder_length_max_nm);
  if (s.cylinder_length_max_nm < s.cylinder_length_min_nm) {
    invalid("cylinder_length_max_nm", "must not be below cylinder_length_min_nm");
  }
  fraction("cylinder_polydispersity", s.cylinder_polydispersity, kMaxPolydispersity);
  // Cylinders carry no structure factor, which is fair only while they stay fairly dilute.
  fraction("cylinder_volume_fraction", s.cylinder_volume_fraction, 0.3);
  positive("target_q_nm", s.target_q_nm);
  if (!(s.thickness_mm > 0.0 && s.thickness_mm <= 100.0))
    invalid("thickness_mm", "must be within (0, 100]");
  if (!(s.transmission > 0.0 && s.transmission <= 1.0))
    invalid("transmission", "must be within (0, 1]");
  if (!(s.background_per_cm >= 0.0 && s.background_per_cm <= 1e6)) {
    invalid("background_per_cm", "must be within 0..1e6");
  }
  // Sizes must stay positive over the whole temperature range and stage.
  for (const double t : {l.temperature_min_c, l.temperature_max_c}) {
    if (1.0 + s.sphere_swelling_per_c * (t - s.reference_temperature_c) < 0.1) {
      invalid("sphere_swelling_per_c",
              "shrinks the spheres below 10% within the temperature range");
    }
    if (1.0 + s.cylinder_growth_per_c * (t - s.reference_temperature_c) < 0.1) {
      invalid("cylinder_growth_per_c",
              "shrinks the cylinders below 10% within the temperature range");
    }
  }
  const double v_lo = (band_lo - s.boundary_x_mm) / (l.x_max_mm - s.boundary_x_mm);
  const double length_lo =
      s.cylinder_length_min_nm + (s.cylinder_length_max_nm - s.cylinder_length_min_nm) * v_lo;
  if (length_lo < 0.1 * s.cylinder_length_min_nm) {
    invalid("cylinder_length_max_nm",
            "extrapolates to a non-positive length at the start of the coexistence band");
  }

  Xoshiro256 rng(detail::derive_seed({detail::kSpecimenStream, seed}));
  const double sphere_extent = band_lo - l.x_min_mm;
  const double y_extent = l.y_max_mm - l.y_min_mm;
  const double t_extent = l.temperature_max_c - l.temperature_min_c;
  dome_x_ = l.x_min_mm + (0.3 + 0.4 * uniform01(rng)) * sphere_extent;
  dome_y_ = l.y_min_mm + (0.3 + 0.4 * uniform01(rng)) * y_extent;
  sigma_x_ = (0.25 + 0.1 * uniform01(rng)) * sphere_extent;
  sigma_y_ = (0.30 + 0.1 * uniform01(rng)) * y_extent;
  dome_t_ = l.temperature_min_c + (0.35 + 0.3 * uniform01(rng)) * t_extent;
  // A stage held at one temperature still gets a well-defined (flat) temperature factor.
  sigma_t_ = std::max(0.3 * t_extent, 1.0);
}

SampleStructure SaxsSample::structure_at(double x_mm, double y_mm, double temperature_c) const {
  if (!std::isfinite(x_mm) || !std::isfinite(y_mm) || !std::isfinite(temperature_c)) {
    throw std::invalid_argument(
        "SaxsSample::structure_at: position and temperature must be finite");
  }
  const SaxsSampleSettings& s = settings_;
  const SaxsStageLimits& l = limits_;
  const double x = std::clamp(x_mm, l.x_min_mm, l.x_max_mm);
  const double y = std::clamp(y_mm, l.y_min_mm, l.y_max_mm);
  const double t = std::clamp(temperature_c, l.temperature_min_c, l.temperature_max_c);
  const double dt = t - s.reference_temperature_c;

  double cylinder_share = 1.0;
  if (s.boundary_width_mm > 0.0) {
    cylinder_share =
        smootherstep((x - (s.boundary_x_mm - 0.5 * s.boundary_width_mm)) / s.boundary_width_mm);
  } else {
    cylinder_share = x >= s.boundary_x_mm ? 1.0 : 0.0;
  }

  SampleStructure out;
  out.sphere_share = 1.0 - cylinder_share;
  out.morphology = cylinder_share > 0.5 ? Morphology::Cylinders : Morphology::Spheres;
  out.structure_factor = s.structure_factor;

  const double u = (x - l.x_min_mm) / (s.boundary_x_mm - l.x_min_mm);
  PhaseStructure& sp = out.spheres;
  sp.radius_nm = (s.sphere_radius_min_nm + (s.sphere_radius_max_nm - s.sphere_radius_min_nm) * u) *
                 (1.0 + s.sphere_swelling_per_c * dt);
  sp.polydispersity =
      s.sphere_polydispersity_min + (s.sphere_polydispersity_max - s.sphere_polydispersity_min) *
                                        (y - l.y_min_mm) / (l.y_max_mm - l.y_min_mm);
  const double gx = (x - dome_x_) / sigma_x_;
  const double gy = (y - dome_y_) / sigma_y_;
  const double gt = (t - dome_t_) / sigma_t_;
  const double dome = std::exp(-0.5 * (gx * gx + gy * gy));
  const double temperature_factor = 0.5 + 0.5 * std::exp(-0.5 * gt * gt);
  sp.volume_fraction = out.sphere_share * temperature_factor *
                       (s.sphere_volume_fraction_floor +
                        (s.sphere_volume_fraction_peak - s.sphere_volume_fraction_floor) * dome);
  sp.contrast = s.sphere_contrast;

  const double v = (x - s.boundary_x_mm) / (l.x_max_mm - s.boundary_x_mm);
  PhaseStructure& cy = out.cylinders;
  cy.radius_nm = s.cylinder_radius_nm;
  cy.polydispersity = s.cylinder_polydispersity;
  cy.length_nm =
      (s.cylinder_length_min_nm + (s.cylinder_length_max_nm - s.cylinder_length_min_nm) * v) *
      (1.0 + s.cylinder_growth_per_c * dt);
  cy.volume_fraction = cylinder_share * s.cylinder_volume_fraction * (1.0 - 0.5 * v);
  cy.contrast = s.cylinder_contrast;

  // Dilute-limit forward scattering and Guinier radius from the exact Schulz moments.
  const auto moment = [](const PhaseStructure& phase, int n) {
    return schulz_moment(phase.radius_nm, phase.polydispersity, n);
  };
  const double i_sph = kPerCmPerNm3 * sp.volume_fraction * sp.contrast * sp.contrast * 4.0 / 3.0 *
                       std::numbers::pi * moment(sp, 6) / moment(sp, 3);
  const double rg2_sph = 0.6 * moment(sp, 8) / moment(sp, 6);
  const double i_cyl = kPerCmPerNm3 * cy.volume_fraction * cy.contrast * cy.contrast *
                       std::numbers::pi * cy.length_nm * moment(cy, 4) / moment(cy, 2);
  const double rg2_cyl = moment(cy, 6) / (2.0 * moment(cy, 4)) + cy.length_nm * cy.length_nm / 12.0;
  out.forward_intensity_per_cm = i_sph + i_cyl;
  out.guinier_radius_nm =
      out.forward_intensity_per_cm > 0.0
          ? std::sqrt((i_sph * rg2_sph + i_cyl * rg2_cyl) / out.forward_intensity_per_cm)
          : 0.0;
  return out;
}

}  // namespace edgeloop::sims
