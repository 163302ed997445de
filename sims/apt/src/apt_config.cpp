#include "edgeloop/sims/apt_config.hpp"

#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

#include "edgeloop/formats/isotopes.hpp"

namespace edgeloop::sims {
namespace {

// Reads a table keyed by element symbol (values in `scale` units, e.g. at.% with scale 100).
// Elements appear in the isotope table's order; a key that is no element is left unread, so
// reject_unknown_keys() names it.
std::vector<AptElementFraction> element_table(const ConfigTable& table, double max, double scale) {
  std::vector<AptElementFraction> out;
  for (const formats::Element& e : formats::elements()) {
    if (!table.has(e.symbol)) continue;
    out.push_back({std::string(e.symbol), table.get_double(e.symbol, 0.0, 0.0, max) / scale});
  }
  return out;
}

// A composition table in at.%: the solutes may not include the base and must leave some of it.
std::vector<AptElementFraction> composition(const ConfigTable& parent, std::string_view key,
                                            const std::string& base,
                                            std::vector<AptElementFraction> fallback) {
  const auto table = parent.table(key);
  if (!table) return fallback;
  auto solutes = element_table(*table, 100.0, 100.0);
  double sum = 0.0;
  for (const auto& s : solutes) {
    if (s.symbol == base) {
      throw ConfigError(parent.source(), table->dotted(s.symbol),
                        "the base element takes the balance and cannot be given");
    }
    sum += s.fraction;
  }
  if (!(sum < 1.0)) {
    throw ConfigError(parent.source(), parent.dotted(key),
                      "solutes add up to " + std::to_string(100.0 * sum) +
                          " at.%, leaving nothing of the base element " + base);
  }
  return solutes;
}

void read_specimen(const ConfigTable& root, AptSpecimenSettings& s) {
  const ConfigTable t = root.table_or_empty("specimen");
  s.tip_radius_nm = t.get_double("tip_radius_nm", s.tip_radius_nm, 2.0, 1000.0);
  s.shank_half_angle_deg = t.get_double("shank_half_angle_deg", s.shank_half_angle_deg, 0.0, 45.0);
  s.lattice_constant_nm = t.get_double("lattice_constant_nm", s.lattice_constant_nm, 0.1, 1.0);
  s.length_nm = t.get_double("length_nm", s.length_nm, 1.0, 10000.0);
  if (s.tip_radius_nm < 2.0 * s.lattice_constant_nm) {
    throw ConfigError(root.source(), t.dotted("tip_radius_nm"),
                      "must be at least two lattice constants");
  }
  s.base = t.get_string("base", s.base);
  if (formats::find_element(s.base) == nullptr) {
    throw ConfigError(root.source(), t.dotted("base"),
                      "'" + s.base + "' is not an element of the isotope table");
  }
  // The evaporation front holds the atoms of a hemispherical cap of the needle's radius, which
  // grows towards the shank's end: bounded so the simulator cannot ask for gigabytes.
  constexpr double kMaxFrontAtoms = 2e8;
  const double end_radius =
      s.tip_radius_nm + s.length_nm * std::tan(s.shank_half_angle_deg * std::numbers::pi / 180.0);
  const double front_atoms = std::numbers::pi * end_radius * end_radius * end_radius * 4.0 /
                             std::pow(s.lattice_constant_nm, 3.0);
  if (front_atoms > kMaxFrontAtoms) {
    throw ConfigError(root.source(), t.dotted("length_nm"),
                      "the needle widens to a radius of " + std::to_string(end_radius) +
                          " nm, where its evaporation front holds about " +
                          std::to_string(static_cast<long long>(front_atoms)) +
                          " atoms (at most 2e8): use a smaller tip_radius_nm, length_nm or "
                          "shank_half_angle_deg, or a larger lattice_constant_nm");
  }
  s.matrix = composition(t, "matrix", s.base, s.matrix);
  const ConfigTable c = t.table_or_empty("clusters");
  AptClusterSettings& cl = s.clusters;
  cl.number_density_per_nm3 =
      c.get_double("number_density_per_nm3", cl.number_density_per_nm3, 0.0, 0.05);
  cl.radius_nm = c.get_double("radius_nm", cl.radius_nm, s.lattice_constant_nm, 100.0);
  cl.radius_sigma_nm = c.get_double("radius_sigma_nm", cl.radius_sigma_nm, 0.0, 100.0);
  cl.composition = composition(c, "composition", s.base, cl.composition);
}

void read_detector(const ConfigTable& root, AptDetectorSettings& d) {
  const ConfigTable t = root.table_or_empty("detector");
  d.flight_length_mm = t.get_double("flight_length_mm", d.flight_length_mm, 1.0, 10000.0);
  d.radius_mm = t.get_double("radius_mm", d.radius_mm, 1.0, 1000.0);
  d.efficiency = t.get_double("efficiency", d.efficiency, 0.0, 1.0);
  d.image_compression = t.get_double("image_compression", d.image_compression, 1.0, 3.0);
  d.spatial_resolution_mm =
      t.get_double("spatial_resolution_mm", d.spatial_resolution_mm, 0.0, 10.0);
  d.timing_jitter_ns = t.get_double("timing_jitter_ns", d.timing_jitter_ns, 0.0, 100.0);
  d.t0_ns = t.get_double("t0_ns", d.t0_ns, -1000.0, 1000.0);
  d.tof_window_ns = t.get_double("tof_window_ns", d.tof_window_ns, 10.0, 1e7);
}

void read_evaporation(const ConfigTable& root, AptEvaporationSettings& e) {
  const ConfigTable t = root.table_or_empty("evaporation");
  e.evaporation_field_v_per_nm =
      t.get_double("field_v_per_nm", e.evaporation_field_v_per_nm, 1.0, 100.0);
  e.field_factor = t.get_double("field_factor", e.field_factor, 1.0, 10.0);
  e.voltage_sensitivity = t.get_double("voltage_sensitivity", e.voltage_sensitivity, 1e-4, 0.5);
  e.correlated_probability =
      t.get_double("correlated_probability", e.correlated_probability, 0.0, 0.9);
  e.thermal_tail_fraction =
      t.get_double("thermal_tail_fraction", e.thermal_tail_fraction, 0.0, 1.0);
  e.thermal_tail_ns = t.get_double("thermal_tail_ns", e.thermal_tail_ns, 0.0, 1000.0);
  if (const auto doubly = t.table("doubly_charged")) {
    e.doubly_charged = element_table(*doubly, 1.0, 1.0);
  }
  const ConfigTable b = root.table_or_empty("background");
  e.background_per_pulse = b.get_double("hits_per_pulse", e.background_per_pulse, 0.0, 10.0);
}

void read_operation(const ConfigTable& root, AptConfig& c) {
  const std::string& file = root.source();
  const ConfigTable p = root.table_or_empty("pulsing");
  c.min_pulse_rate_hz = p.get_double("min_rate_hz", c.min_pulse_rate_hz, 1.0, 1e7);
  c.max_pulse_rate_hz = p.get_double("max_rate_hz", c.max_pulse_rate_hz, 1.0, 1e7);
  if (c.min_pulse_rate_hz > c.max_pulse_rate_hz) {
    throw ConfigError(file, p.dotted("min_rate_hz"), "is above max_rate_hz");
  }
  c.pulse_rate_hz =
      p.get_double("rate_hz", c.pulse_rate_hz, c.min_pulse_rate_hz, c.max_pulse_rate_hz);
  // At the generator's worst case (10 ions and 10 background hits per pulse, 24 bytes each) a
  // chunk of 100 000 pulses is 48 MB, well inside a receiver's message limit.
  c.pulses_per_chunk = static_cast<std::uint64_t>(p.get_int("pulses_per_chunk", 10000, 1, 100'000));

  const ConfigTable k = root.table_or_empty("control");
  c.max_detection_rate = k.get_double("max_detection_rate", c.max_detection_rate, 1e-6, 10.0);
  c.detection_rate = k.get_double("detection_rate", c.detection_rate, 1e-6, c.max_detection_rate);
  AptVoltageSettings& v = c.voltage;
  v.min_v = k.get_double("min_voltage_v", v.min_v, 1.0, 1e5);
  v.max_v = k.get_double("max_voltage_v", v.max_v, v.min_v, 1e5);
  v.start_v = k.get_double("start_voltage_v", v.start_v, v.min_v, v.max_v);
  v.max_step_v = k.get_double("max_step_v", v.max_step_v, 0.01, 1e4);
  v.gain = k.get_double("gain", v.gain, 0.01, 1.0);
  v.integral_gain = k.get_double("integral_gain", v.integral_gain, 0.0, 0.25 * v.gain);

  const ConfigTable timing = root.table_or_empty("timing");
  c.realtime = timing.get_bool("realtime", c.realtime);

  const ConfigTable f = root.table_or_empty("files");
  // Relative paths are read from the configuration file's folder, as SAXS's poni_file is.
  const auto path_key = [&](std::string_view key) {
    std::filesystem::path path = f.get_string(key, "");
    if (!path.empty() && path.is_relative()) {
      path = std::filesystem::path(file).parent_path() / path;
    }
    return path;
  };
  c.replay_file = path_key("replay");
  c.record_file = path_key("record");
  c.ranges_file = path_key("ranges");
  if (!c.replay_file.empty() && !c.record_file.empty()) {
    throw ConfigError(file, f.dotted("record"), "cannot record while replaying (files.replay)");
  }
  if (!c.replay_file.empty() && !std::filesystem::is_regular_file(c.replay_file)) {
    throw ConfigError(file, f.dotted("replay"), "'" + c.replay_file.string() + "' is not a file");
  }
}

}  // namespace

AptConfig apt_config_from(const ConfigTable& root) {
  AptConfig config;
  config.common = sim_common_config_from(root, "sim-apt");
  read_specimen(root, config.specimen);
  read_detector(root, config.detector);
  read_evaporation(root, config.evaporation);
  read_operation(root, config);

  // The detector's view must fit inside the needle: its field of view, widened a little, has to
  // stay below 90 degrees minus the shank angle.
  const AptDetector detector(config.detector);
  const double fov_deg = detector.field_of_view_half_angle() * 180.0 / std::numbers::pi;
  if (!(fov_deg * 1.05 < 90.0 - config.specimen.shank_half_angle_deg)) {
    throw ConfigError(root.source(), root.table_or_empty("detector").dotted("image_compression"),
                      "the field of view at the tip, image_compression x atan(radius_mm / "
                      "flight_length_mm) = " +
                          std::to_string(fov_deg) +
                          " deg, must stay below 90 deg minus the shank angle, less 5%");
  }
  // What remains (the number of clusters the volume would hold, ...) the specimen checks.
  try {
    const AptSpecimen specimen(config.specimen, detector.field_of_view_half_angle(),
                               config.common.seed);
  } catch (const std::invalid_argument& error) {
    throw ConfigError(root.source(), "specimen", error.what());
  }
  root.reject_unknown_keys();
  return config;
}

AptConfig load_apt_config(const std::filesystem::path& file, const SimOverrides& overrides) {
  AptConfig config = apt_config_from(ConfigTable::load_file(file));
  apply_overrides(config.common, overrides);
  return config;
}

}  // namespace edgeloop::sims
