#include "edgeloop/sims/apt_truth.hpp"

#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "edgeloop/formats/h5_file.hpp"

namespace edgeloop::sims {
namespace {

void write_matrix(h5::File& file, std::string_view object, const std::vector<double>& values,
                  std::size_t rows, std::size_t cols) {
  const std::vector<std::size_t> shape{rows, cols};
  file.write<double>(object, values, shape);
}

}  // namespace

void write_apt_truth(const std::filesystem::path& path, const AptConfig& config,
                     const AptSpecimen& specimen, std::span<const double> doubly_charged,
                     const formats::RangeTable& ranges) {
  h5::File file = h5::File::create(path);
  const bool replay = !config.replay_file.empty();
  file.set_attribute("/", "instrument", config.common.name);
  file.set_attribute("/", "modality", "apt");
  file.set_attribute("/", "seed", static_cast<std::int64_t>(config.common.seed));
  file.set_attribute("/", "description",
                     "Simulated atom probe: a needle of an alloy (matrix and spherical clusters) "
                     "on an fcc lattice, evaporated from its hemispherical apex; "
                     "compositions are atomic fractions");
  file.set_attribute("/", "stream", "apt/events");
  file.set_attribute("/", "mode", replay ? "replay" : "simulate");
  file.set_attribute("/", "replay_file", config.replay_file.string());
  file.set_attribute("/", "pulses_per_chunk", static_cast<std::int64_t>(config.pulses_per_chunk));

  const AptSpecimenSettings& s = specimen.settings();
  file.set_attribute("/specimen", "tip_radius_nm", s.tip_radius_nm);
  file.set_attribute("/specimen", "shank_half_angle_deg", s.shank_half_angle_deg);
  file.set_attribute("/specimen", "length_nm", s.length_nm);
  file.set_attribute("/specimen", "lattice", "fcc, [001] along the needle axis");
  file.set_attribute("/specimen", "lattice_constant_nm", s.lattice_constant_nm);
  file.set_attribute("/specimen", "atomic_density_per_nm3", specimen.atomic_density_per_nm3());
  file.set_attribute("/specimen", "base", s.base);
  file.set_attribute("/specimen", "fov_half_angle_deg",
                     specimen.fov_half_angle() * 180.0 / std::numbers::pi);
  file.set_attribute("/specimen", "region_volume_nm3", specimen.region_volume_nm3());
  file.set_attribute("/specimen", "cluster_volume_fraction", specimen.cluster_volume_fraction());

  const auto elements = specimen.elements();
  const std::size_t n = elements.size();
  std::vector<std::string> symbols;
  for (const formats::Element* e : elements) symbols.emplace_back(e->symbol);
  file.write_strings("/composition/elements", symbols);
  file.write<double>("/composition/matrix", specimen.matrix_composition());
  file.write<double>("/composition/clusters", specimen.cluster_composition());
  file.write<double>("/composition/overall", specimen.overall_composition());
  file.set_attribute("/composition", "unit", "atomic fraction, per /composition/elements");

  const auto clusters = specimen.clusters();
  std::vector<double> centres;
  std::vector<double> radii;
  std::vector<double> compositions;
  for (const AptCluster& c : clusters) {
    centres.insert(centres.end(), {c.x, c.y, c.depth});
    radii.push_back(c.radius);
    compositions.insert(compositions.end(), specimen.cluster_composition().begin(),
                        specimen.cluster_composition().end());
  }
  write_matrix(file, "/precipitates/centre_nm", centres, clusters.size(), 3);
  file.write<double>("/precipitates/radius_nm", radii);
  write_matrix(file, "/precipitates/composition", compositions, clusters.size(), n);
  file.set_attribute("/precipitates", "count", static_cast<std::int64_t>(clusters.size()));
  file.set_attribute("/precipitates", "shape", "sphere");
  file.set_attribute("/precipitates", "frame",
                     "x, y across the needle axis (the detector's axes), depth along it from "
                     "the initial apex, nm");

  std::vector<std::string> iso_element;
  std::vector<std::uint32_t> iso_mass_number;
  std::vector<double> iso_mass;
  std::vector<double> iso_abundance;
  for (const formats::Element* e : elements) {
    for (const formats::Isotope& iso : e->isotopes) {
      iso_element.emplace_back(e->symbol);
      iso_mass_number.push_back(iso.mass_number);
      iso_mass.push_back(iso.mass_u);
      iso_abundance.push_back(iso.abundance);
    }
  }
  file.write_strings("/isotopes/element", iso_element);
  file.write<std::uint32_t>("/isotopes/mass_number", iso_mass_number);
  file.write<double>("/isotopes/mass_u", iso_mass);
  file.write<double>("/isotopes/abundance", iso_abundance);

  const std::vector<double> doubly(doubly_charged.begin(), doubly_charged.end());
  file.write<double>("/evaporation/doubly_charged", doubly);
  const AptEvaporationSettings& e = config.evaporation;
  file.set_attribute("/evaporation", "field_v_per_nm", e.evaporation_field_v_per_nm);
  file.set_attribute("/evaporation", "field_factor", e.field_factor);
  file.set_attribute("/evaporation", "voltage_sensitivity", e.voltage_sensitivity);
  file.set_attribute("/evaporation", "correlated_probability", e.correlated_probability);
  file.set_attribute("/evaporation", "thermal_tail_fraction", e.thermal_tail_fraction);
  file.set_attribute("/evaporation", "thermal_tail_ns", e.thermal_tail_ns);
  file.set_attribute("/evaporation", "background_per_pulse", e.background_per_pulse);

  const AptDetectorSettings& d = config.detector;
  file.set_attribute("/detector", "flight_length_mm", d.flight_length_mm);
  file.set_attribute("/detector", "radius_mm", d.radius_mm);
  file.set_attribute("/detector", "efficiency", d.efficiency);
  file.set_attribute("/detector", "image_compression", d.image_compression);
  file.set_attribute("/detector", "spatial_resolution_mm", d.spatial_resolution_mm);
  file.set_attribute("/detector", "timing_jitter_ns", d.timing_jitter_ns);
  file.set_attribute("/detector", "t0_ns", d.t0_ns);
  file.set_attribute("/detector", "tof_window_ns", d.tof_window_ns);

  const std::vector<std::string> rrng{formats::format_rrng(ranges)};
  file.write_strings("/ranges/rrng", rrng);
  std::vector<double> low;
  std::vector<double> high;
  std::vector<std::string> ion;
  for (const formats::Range& r : ranges.ranges()) {
    low.push_back(r.low);
    high.push_back(r.high);
    ion.push_back(r.ion_name());
  }
  file.write<double>("/ranges/low", low);
  file.write<double>("/ranges/high", high);
  file.write_strings("/ranges/ion", ion);
  file.flush();
}

}  // namespace edgeloop::sims
