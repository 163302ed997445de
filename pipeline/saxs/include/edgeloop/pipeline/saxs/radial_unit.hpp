// The radial coordinate an I(q) curve is binned in, named as pyFAI names its units, so a curve
// from here and one from pyFAI's integrate1d can be laid over each other.
#pragma once

#include <optional>
#include <string_view>

namespace edgeloop::saxs {

enum class RadialUnit {
  QNm,  // "q_nm^-1": q = 4π sin(θ) / λ in nm⁻¹
  QA,   // "q_A^-1": the same in Å⁻¹
};

// pyFAI's name: "q_nm^-1", "q_A^-1".
std::string_view radial_unit_name(RadialUnit unit);
// The inverse of radial_unit_name; nullopt for any other text.
std::optional<RadialUnit> radial_unit_from_name(std::string_view name);
// Units of the coordinate itself ("nm^-1", "A^-1") and of a length measured against it, such as
// a radius of gyration ("nm", "A").
std::string_view radial_unit_axis_units(RadialUnit unit);
std::string_view radial_unit_length_units(RadialUnit unit);
// The coordinate in `unit` of a q given in nm⁻¹.
double radial_from_q_nm(RadialUnit unit, double q_nm);

}  // namespace edgeloop::saxs
