#include "edgeloop/pipeline/stem/virtual_detector_geometry.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace edgeloop {
namespace {

void require_finite(double value, const char* field) {
  if (!std::isfinite(value)) {
    throw std::invalid_argument(std::string("virtual detectors: '") + field + "' must be finite");
  }
}

void require_positive(double value, const char* field) {
  require_finite(value, field);
  if (value <= 0.0) {
    throw std::invalid_argument(std::string("virtual detectors: '") + field +
                                "' must be > 0, got " + std::to_string(value));
  }
}

}  // namespace

void VirtualDetectorGeometry::validate() const {
  require_finite(centre_x, "centre_x");
  require_finite(centre_y, "centre_y");
  require_positive(bf_radius, "bf_radius");
  require_positive(adf_inner, "adf_inner");
  require_positive(adf_outer, "adf_outer");
  if (adf_outer <= adf_inner) {
    throw std::invalid_argument("virtual detectors: 'adf_outer' (" + std::to_string(adf_outer) +
                                ") must be greater than 'adf_inner' (" + std::to_string(adf_inner) +
                                ")");
  }
  require_finite(com_radius, "com_radius");
  if (com_radius < 0.0) {
    throw std::invalid_argument("virtual detectors: 'com_radius' must be >= 0 (0: whole frame)");
  }
}

}  // namespace edgeloop
