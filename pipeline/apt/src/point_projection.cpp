#include "edgeloop/pipeline/apt/point_projection.hpp"

#include <numbers>
#include <stdexcept>
#include <string>

namespace edgeloop {
namespace {

void check(double value, double min, double max, const char* name, bool open_min) {
  const bool above = open_min ? value > min : value >= min;
  if (!std::isfinite(value) || !above || !(value <= max)) {
    throw std::invalid_argument(std::string(name) + " must be in " + (open_min ? "(" : "[") +
                                std::to_string(min) + ", " + std::to_string(max) + "], got " +
                                std::to_string(value));
  }
}

}  // namespace

void PointProjection::validate() const {
  check(flight_length_mm, 0.0, 1e4, "flight_length_mm", true);
  check(detector_radius_mm, 0.0, 1e3, "detector_radius_mm", true);
  check(image_compression, 1.0, 3.0, "image_compression", false);
  check(field_factor, 1.0, 10.0, "field_factor", false);
  check(evaporation_field_v_per_nm, 0.0, 200.0, "evaporation_field_v_per_nm", true);
  check(detection_efficiency, 0.0, 1.0, "detection_efficiency", true);
  if (!(max_launch_angle() < std::numbers::pi / 2)) {
    throw std::invalid_argument(
        "image_compression: image_compression x atan(detector_radius_mm / flight_length_mm) = " +
        std::to_string(max_launch_angle()) + " rad must stay below pi/2");
  }
}

}  // namespace edgeloop
