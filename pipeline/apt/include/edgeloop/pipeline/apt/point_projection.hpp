// The point-projection reconstruction of Bas et al. (1995): where on the specimen a detector hit
// came from (tip radius from the voltage, image compression), and how ion volume becomes depth.
#pragma once

#include <array>
#include <cmath>
#include <numbers>

namespace edgeloop {

// Defaults match config/sim-apt.toml (detector, [evaporation] and the Al lattice), so a
// simulated run reconstructs with its own instrument's values.
struct PointProjection {
  double flight_length_mm = 100.0;           // L, tip to detector centre
  double detector_radius_mm = 38.0;          // D, the active disc: sets the analysed area
  double image_compression = 1.5;            // xi: launch angle = xi · flight angle
  double field_factor = 3.3;                 // k_f in R = V / (k_f · F)
  double evaporation_field_v_per_nm = 19.0;  // F
  double detection_efficiency = 0.6;         // eta: share of the evaporated ions detected

  // std::invalid_argument naming the parameter: every value finite and positive, the
  // efficiency in (0, 1], xi in [1, 3], and xi · atan(D / L) below 90 deg (a hit at the
  // detector's edge must come from the front half of the cap).
  void validate() const;

  // Tip radius (nm) from the standing voltage (V): the apex field is V / (k_f R) and sits at
  // the evaporation field while the specimen evaporates.
  double radius_nm(double voltage_v) const {
    return voltage_v / (field_factor * evaporation_field_v_per_nm);
  }
  // Largest launch angle (rad) whose ions reach the detector.
  double max_launch_angle() const {
    return image_compression * std::atan(detector_radius_mm / flight_length_mm);
  }
  // Area of the cap's projection onto the plane across the axis within max_launch_angle (nm^2):
  // a receding cap sweeps this much volume per nm it recedes, so an ion of volume Omega
  // advances the apex by Omega / (eta · area). Small angles give Bas's S_D / M^2.
  double analysed_area_nm2(double radius_nm) const {
    const double r = radius_nm * std::sin(max_launch_angle());
    return std::numbers::pi * r * r;
  }
  // Specimen position of a hit at (x, y) mm on the detector when the apex (cap radius R) is
  // at apex_depth: launch angle = xi · atan(d / L), the azimuth kept, on a cap of radius R, so
  // across the axis R sin(theta) and below the apex R (1 - cos(theta)). {x, y, depth} in nm,
  // depth increasing into the specimen from the first ion's apex.
  std::array<double, 3> specimen_position(double det_x_mm, double det_y_mm, double radius_nm,
                                          double apex_depth_nm) const {
    const double d = std::sqrt(det_x_mm * det_x_mm + det_y_mm * det_y_mm);
    const double theta = image_compression * std::atan(d / flight_length_mm);
    const double rho = radius_nm * std::sin(theta);
    const double depth = apex_depth_nm + radius_nm * (1.0 - std::cos(theta));
    if (d == 0.0) return {0.0, 0.0, depth};
    return {rho * det_x_mm / d, rho * det_y_mm / d, depth};
  }
};

}  // namespace edgeloop
