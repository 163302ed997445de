// The ground truth a simulated SAXS scan looks at: a sample on an x/y stage whose nanostructure
// (spheres on one side, rod-like cylinders on the other) varies smoothly with position and
// temperature, fixed by one seed.
#pragma once

#include <cstdint>
#include <string_view>

namespace edgeloop::sims {

// The stage's hardware limits; the sample covers exactly this area, and its temperature stage
// spans exactly this range.
struct SaxsStageLimits {
  double x_min_mm = -20.0;
  double x_max_mm = 20.0;
  double y_min_mm = -10.0;
  double y_max_mm = 10.0;
  double temperature_min_c = 5.0;
  double temperature_max_c = 95.0;
};

// The analytic model's free parameters; what they mean is described at SaxsSample. Contrasts
// are scattering-length-density differences in 10¹⁰ cm⁻² (10⁻⁶ Å⁻²).
struct SaxsSampleSettings {
  double boundary_x_mm = 8.0;      // spheres at smaller x, cylinders at larger x
  double boundary_width_mm = 2.0;  // band where both coexist (0: a sharp edge)
  double reference_temperature_c = 25.0;

  double sphere_radius_min_nm = 6.0;        // at x_min, reference temperature
  double sphere_radius_max_nm = 18.0;       // at the boundary, reference temperature
  double sphere_polydispersity_min = 0.05;  // at y_min
  double sphere_polydispersity_max = 0.15;  // at y_max
  double sphere_volume_fraction_peak = 0.12;
  double sphere_volume_fraction_floor = 0.02;
  double sphere_swelling_per_c = 0.003;  // relative radius change per °C
  double sphere_contrast = 9.4;
  bool structure_factor = true;  // hard-sphere interactions between the spheres

  double cylinder_radius_nm = 4.0;
  double cylinder_length_min_nm = 40.0;    // at the boundary, reference temperature
  double cylinder_length_max_nm = 150.0;   // at x_max, reference temperature
  double cylinder_polydispersity = 0.1;    // of the radius
  double cylinder_volume_fraction = 0.06;  // at the boundary; half of it at x_max
  double cylinder_growth_per_c = 0.004;    // relative length change per °C
  double cylinder_contrast = 9.4;

  // The measurement side of the sample: path length through it, the fraction of the beam it
  // transmits, and a flat scattering background (solvent, windows, fluorescence) in cm⁻¹.
  double thickness_mm = 1.0;
  double transmission = 0.5;
  double background_per_cm = 0.02;

  // Where the truth file tabulates I(q) for optimisation targets; physics does not use it.
  double target_q_nm = 0.22;
};

// φ Δρ² V with Δρ in 10¹⁰ cm⁻² and V in nm³ is 1e20 · 1e-21 = 0.1 times the number in cm⁻¹.
inline constexpr double kPerCmPerNm3 = 0.1;

enum class Morphology : std::uint8_t { Spheres, Cylinders };
std::string_view morphology_name(Morphology morphology);  // "spheres", "cylinders"

// One population of particles at a point. volume_fraction is the population's own (already
// scaled by its share in the coexistence band); 0 where it is absent.
struct PhaseStructure {
  double radius_nm = 0.0;       // number-average radius
  double polydispersity = 0.0;  // relative standard deviation of the radius (Schulz)
  double volume_fraction = 0.0;
  double length_nm = 0.0;  // cylinders only; 0 for spheres
  double contrast = 0.0;   // 10¹⁰ cm⁻²
};

// What the sample is at one stage position and temperature.
struct SampleStructure {
  Morphology morphology = Morphology::Spheres;  // the phase with the larger share
  double sphere_share = 1.0;                    // 1 in the sphere region, 0 in the cylinder region
  PhaseStructure spheres;
  PhaseStructure cylinders;
  bool structure_factor = false;  // whether the spheres' hard-sphere S(q) applies
  // Dilute-limit (no S(q)) values of the whole point, for evaluation: dΣ/dΩ at q = 0 in cm⁻¹
  // and the Guinier radius, intensity-weighted over both phases:
  // spheres Rg² = 3/5 <R⁸>/<R⁶>; cylinders Rg² = <R⁶>/(2 <R⁴>) + L²/12.
  double forward_intensity_per_cm = 0.0;
  double guinier_radius_nm = 0.0;

  // The dominant phase's values, as a one-morphology description of the point.
  const PhaseStructure& dominant() const {
    return morphology == Morphology::Spheres ? spheres : cylinders;
  }
};

// The model (x, y in mm; T in °C; u = (x - x_min) / (boundary - x_min)):
//  - Coexistence: the cylinder share rises from 0 to 1 across
//    [boundary - width/2, boundary + width/2] as smootherstep 6t⁵ - 15t⁴ + 10t³, so every
//    quantity is twice continuously differentiable and exactly one phase exists outside it.
//  - Spheres (a composition gradient along x, a concentration dome, swelling with T):
//      R   = (R_min + (R_max - R_min) u) (1 + swelling (T - T_ref))
//      p   = p_min + (p_max - p_min) (y - y_min) / (y_max - y_min)
//      φ   = [φ_floor + (φ_peak - φ_floor) exp(-(x-x0)²/(2 sx²) - (y-y0)²/(2 sy²))]
//            · [1/2 + 1/2 exp(-(T - Tφ)² / (2 sT²))]
//  - Cylinders (length grows along x and with T; thinning concentration):
//      v = (x - boundary) / (x_max - boundary)
//      L   = (L_min + (L_max - L_min) v) (1 + growth (T - T_ref)),  R and p fixed
//      φ_c = φ_cyl (1 - v/2)
//  - The seed fixes the dome: x0, y0 uniformly in the middle 40% of the sphere region,
//    sx in 0.25..0.35 of its x extent, sy in 0.30..0.40 of the y extent, Tφ in the middle 30%
//    of the temperature range, sT = 0.3 of that range.
//
// Designed for optimisation: the intensity at a fixed q* (target_q_nm, 0.22 nm⁻¹ by default)
// is φ · Δρ² <V²P(q*)>/<V> · S. Along x the second factor peaks once, where q*R ≈ 2.7
// (R ≈ 12 nm, inside the radius range at every temperature); the first peaks once at the dome.
// Both rise from x_min and fall towards the boundary, so "maximise I(q*)" has a single optimum
// inside the stage area and temperature range, in a smooth landscape; the cylinder region
// scatters several times less at q* and falls away from the boundary. The Guinier radius grows
// monotonically with x and T, so "Guinier radius closest to a target" is optimal along a curve
// x(T) (every y), unique once combined with a second term such as the intensity.
//
// Immutable after construction; structure_at may be called from any thread.
class SaxsSample {
 public:
  // std::invalid_argument naming the setting for anything inconsistent (ranges inverted, a
  // radius or length that would turn non-positive somewhere on the stage, φ above 0.45).
  SaxsSample(const SaxsSampleSettings& settings, const SaxsStageLimits& limits, std::uint64_t seed);

  // Values outside the stage area or temperature range are clamped to it (the stage cannot go
  // there; the device rejects such targets before asking).
  SampleStructure structure_at(double x_mm, double y_mm, double temperature_c) const;

  const SaxsSampleSettings& settings() const { return settings_; }
  const SaxsStageLimits& limits() const { return limits_; }
  // The seed-drawn dome of the sphere concentration.
  double dome_x_mm() const { return dome_x_; }
  double dome_y_mm() const { return dome_y_; }
  double dome_sigma_x_mm() const { return sigma_x_; }
  double dome_sigma_y_mm() const { return sigma_y_; }
  double dome_temperature_c() const { return dome_t_; }
  double dome_sigma_temperature_c() const { return sigma_t_; }

 private:
  SaxsSampleSettings settings_;
  SaxsStageLimits limits_;
  double dome_x_;
  double dome_y_;
  double sigma_x_;
  double sigma_y_;
  double dome_t_;
  double sigma_t_;
};

}  // namespace edgeloop::sims
