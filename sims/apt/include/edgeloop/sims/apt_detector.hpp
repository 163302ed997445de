// The atom probe's detector as the ions see it: where an ion leaving the tip lands (a point
// projection with image compression), how long it flies, and what the detector blurs or misses.
#pragma once

#include <array>
#include <optional>

namespace edgeloop::sims {

struct AptDetectorSettings {
  double flight_length_mm = 100.0;  // tip to detector along the axis (straight flight path)
  double radius_mm = 38.0;          // active area is a disc of this radius
  double efficiency = 0.6;          // fraction of arriving ions recorded (open area of the MCP)
  // Image compression factor: field lines bend towards the axis, so an ion leaving at angle
  // theta from the axis flies off at theta / image_compression.
  double image_compression = 1.5;
  double spatial_resolution_mm = 0.05;  // Gaussian blur of the recorded hit position
  double timing_jitter_ns = 0.2;        // Gaussian blur of the recorded time of flight
  double t0_ns = 0.0;                   // time-of-flight offset of the timing electronics
  double tof_window_ns = 5000.0;        // hits are recorded in [0, tof_window_ns) after a pulse
};

// Pure geometry, no randomness: the blur is applied by the caller from its own stream.
class AptDetector {
 public:
  // std::invalid_argument naming the setting for a value out of its physical range.
  explicit AptDetector(const AptDetectorSettings& settings);

  const AptDetectorSettings& settings() const { return settings_; }
  // Largest angle from the axis, at the tip, whose ions still land on the detector.
  double field_of_view_half_angle() const;
  // Hit position (mm) of an ion that leaves the surface of a cap of radius cap_radius at
  // (x, y) across the axis: launch angle asin(rho / R), compressed, then a straight flight.
  // The azimuth is kept. nullopt when it misses the detector.
  std::optional<std::array<double, 2>> project(double x_nm, double y_nm,
                                               double cap_radius_nm) const;
  bool on_detector(double det_x_mm, double det_y_mm) const;

 private:
  AptDetectorSettings settings_;
};

}  // namespace edgeloop::sims
