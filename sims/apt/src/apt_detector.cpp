#include "edgeloop/sims/apt_detector.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

namespace edgeloop::sims {
namespace {

void check(double value, double min, double max, const char* name) {
  if (!(value >= min && value <= max)) {
    throw std::invalid_argument(std::string("AptDetector: ") + name + " must be in [" +
                                std::to_string(min) + ", " + std::to_string(max) + "], got " +
                                std::to_string(value));
  }
}

}  // namespace

AptDetector::AptDetector(const AptDetectorSettings& settings) : settings_(settings) {
  check(settings.flight_length_mm, 1.0, 10000.0, "flight_length_mm");
  check(settings.radius_mm, 1.0, 1000.0, "radius_mm");
  check(settings.efficiency, 0.0, 1.0, "efficiency");
  check(settings.image_compression, 1.0, 3.0, "image_compression");
  check(settings.spatial_resolution_mm, 0.0, 10.0, "spatial_resolution_mm");
  check(settings.timing_jitter_ns, 0.0, 100.0, "timing_jitter_ns");
  check(settings.t0_ns, -1000.0, 1000.0, "t0_ns");
  check(settings.tof_window_ns, 10.0, 1e7, "tof_window_ns");
}

double AptDetector::field_of_view_half_angle() const {
  return settings_.image_compression * std::atan(settings_.radius_mm / settings_.flight_length_mm);
}

std::optional<std::array<double, 2>> AptDetector::project(double x_nm, double y_nm,
                                                          double cap_radius_nm) const {
  const double rho = std::sqrt(x_nm * x_nm + y_nm * y_nm);
  const double theta = std::asin(std::min(rho / cap_radius_nm, 1.0));
  const double flight = theta / settings_.image_compression;
  if (flight >= std::numbers::pi / 2) return std::nullopt;
  const double d = settings_.flight_length_mm * std::tan(flight);
  if (d > settings_.radius_mm) return std::nullopt;
  if (rho == 0.0) return std::array<double, 2>{0.0, 0.0};
  return std::array<double, 2>{d * x_nm / rho, d * y_nm / rho};
}

bool AptDetector::on_detector(double det_x_mm, double det_y_mm) const {
  return det_x_mm * det_x_mm + det_y_mm * det_y_mm <= settings_.radius_mm * settings_.radius_mm;
}

}  // namespace edgeloop::sims
