#include "edgeloop/pipeline/saxs/radial_unit.hpp"

namespace edgeloop::saxs {

std::string_view radial_unit_name(RadialUnit unit) {
  return unit == RadialUnit::QA ? "q_A^-1" : "q_nm^-1";
}

std::optional<RadialUnit> radial_unit_from_name(std::string_view name) {
  if (name == "q_nm^-1") return RadialUnit::QNm;
  if (name == "q_A^-1") return RadialUnit::QA;
  return std::nullopt;
}

std::string_view radial_unit_axis_units(RadialUnit unit) {
  return unit == RadialUnit::QA ? "A^-1" : "nm^-1";
}

std::string_view radial_unit_length_units(RadialUnit unit) {
  return unit == RadialUnit::QA ? "A" : "nm";
}

double radial_from_q_nm(RadialUnit unit, double q_nm) {
  return unit == RadialUnit::QA ? q_nm / 10.0 : q_nm;
}

}  // namespace edgeloop::saxs
