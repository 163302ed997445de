#include "edgeloop/sims/saxs_config.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

#include "edgeloop/core/config_error.hpp"
#include "edgeloop/core/dtype.hpp"

namespace edgeloop::sims {
namespace {

std::uint32_t get_u32(const ConfigTable& table, std::string_view key, std::uint32_t fallback,
                      std::int64_t min, std::int64_t max) {
  return static_cast<std::uint32_t>(table.get_int(key, fallback, min, max));
}

[[noreturn]] void fail(const ConfigTable& table, std::string_view key, std::string problem) {
  throw ConfigError(table.source(), table.dotted(key), std::move(problem));
}

void read_detector(const ConfigTable& root, SaxsDetectorSettings& d) {
  const ConfigTable t = root.table_or_empty("detector");
  d.rows = get_u32(t, "rows", d.rows, 32, 4096);
  d.cols = get_u32(t, "cols", d.cols, 32, 4096);
  d.pixel_size_um = t.get_double("pixel_size_um", d.pixel_size_um, 1.0, 1000.0);
  d.dtype = dtype_from_name(t.get_choice("dtype", "u32", {"u16", "u32"}));
  d.module_rows = get_u32(t, "module_rows", d.module_rows, 0, 4096);
  d.module_cols = get_u32(t, "module_cols", d.module_cols, 0, 4096);
  d.gap_rows = get_u32(t, "gap_rows", d.gap_rows, 0, 256);
  d.gap_cols = get_u32(t, "gap_cols", d.gap_cols, 0, 256);
  d.dead_pixels = get_u32(t, "dead_pixels", d.dead_pixels, 0, 100000);
  d.hot_pixels = get_u32(t, "hot_pixels", d.hot_pixels, 0, 100000);
  d.dark_counts_per_s = t.get_double("dark_counts_per_s", d.dark_counts_per_s, 0.0, 1e6);
  const std::size_t pixels = static_cast<std::size_t>(d.rows) * d.cols;
  if (std::size_t{d.dead_pixels} + d.hot_pixels > pixels / 100) {
    fail(t, "dead_pixels",
         "plus hot_pixels must stay below 1% of the " + std::to_string(pixels) + " pixels");
  }

  const ConfigTable b = root.table_or_empty("beamstop");
  d.beamstop_radius_mm = b.get_double("radius_mm", d.beamstop_radius_mm, 0.0, 100.0);
  d.beamstop_arm_width_mm = b.get_double("arm_width_mm", d.beamstop_arm_width_mm, 0.0, 100.0);
  d.beamstop_arm_angle_deg = b.get_double("arm_angle_deg", d.beamstop_arm_angle_deg, -360.0, 360.0);
}

void read_geometry(const ConfigTable& root, const SaxsDetectorSettings& d,
                   formats::PoniParameters& g) {
  const ConfigTable t = root.table_or_empty("geometry");
  g = default_saxs_geometry(d);
  const std::string poni_file = t.get_string("poni_file", "");
  if (!poni_file.empty()) {
    for (const char* key :
         {"distance_m", "poni1_m", "poni2_m", "rot1_rad", "rot2_rad", "rot3_rad", "wavelength_m"}) {
      if (t.has(key)) fail(t, key, "cannot be combined with geometry.poni_file");
    }
    std::filesystem::path path(poni_file);
    if (path.is_relative()) path = std::filesystem::path(root.source()).parent_path() / path;
    try {
      g = formats::PoniGeometry::read(path).parameters();
    } catch (const formats::PoniError& error) {
      fail(t, "poni_file", error.what());
    }
    const double pitch = d.pixel_size_um * 1e-6;
    if (g.rows != d.rows || g.cols != d.cols) {
      fail(t, "poni_file",
           "max_shape [" + std::to_string(g.rows) + ", " + std::to_string(g.cols) +
               "] differs from detector.rows x detector.cols [" + std::to_string(d.rows) + ", " +
               std::to_string(d.cols) + "]");
    }
    if (std::abs(g.pixel1 - pitch) > 1e-9 * pitch || std::abs(g.pixel2 - pitch) > 1e-9 * pitch) {
      fail(t, "poni_file", "pixel sizes differ from detector.pixel_size_um");
    }
    return;
  }
  g.dist = t.get_double("distance_m", g.dist, 0.05, 50.0);
  const double width1 = d.rows * d.pixel_size_um * 1e-6;
  const double width2 = d.cols * d.pixel_size_um * 1e-6;
  // The PONI may lie off the detector (a tilted or off-centre set-up), within reason.
  g.poni1 = t.get_double("poni1_m", g.poni1, -width1, 2.0 * width1);
  g.poni2 = t.get_double("poni2_m", g.poni2, -width2, 2.0 * width2);
  // Tilts beyond ±0.5 rad (29°) are not a SAXS set-up.
  g.rot1 = t.get_double("rot1_rad", g.rot1, -0.5, 0.5);
  g.rot2 = t.get_double("rot2_rad", g.rot2, -0.5, 0.5);
  g.rot3 = t.get_double("rot3_rad", g.rot3, -std::numbers::pi, std::numbers::pi);
  g.wavelength = t.get_double("wavelength_m", g.wavelength, 1e-12, 1e-8);
}

void read_stage(const ConfigTable& root, SaxsStageLimits& s, SaxsAcquisitionSettings& a) {
  const ConfigTable t = root.table_or_empty("stage");
  s.x_min_mm = t.get_double("x_min_mm", s.x_min_mm, -1000.0, 1000.0);
  s.x_max_mm = t.get_double("x_max_mm", s.x_max_mm, -1000.0, 1000.0);
  s.y_min_mm = t.get_double("y_min_mm", s.y_min_mm, -1000.0, 1000.0);
  s.y_max_mm = t.get_double("y_max_mm", s.y_max_mm, -1000.0, 1000.0);
  if (s.x_max_mm <= s.x_min_mm) fail(t, "x_max_mm", "must exceed x_min_mm");
  if (s.y_max_mm <= s.y_min_mm) fail(t, "y_max_mm", "must exceed y_min_mm");
  a.start_x_mm =
      t.get_double("start_x_mm", 0.5 * (s.x_min_mm + s.x_max_mm), s.x_min_mm, s.x_max_mm);
  a.start_y_mm =
      t.get_double("start_y_mm", 0.5 * (s.y_min_mm + s.y_max_mm), s.y_min_mm, s.y_max_mm);

  const ConfigTable temperature = root.table_or_empty("temperature");
  s.temperature_min_c = temperature.get_double("min_c", s.temperature_min_c, -273.0, 2000.0);
  s.temperature_max_c = temperature.get_double("max_c", s.temperature_max_c, -273.0, 2000.0);
  if (s.temperature_max_c < s.temperature_min_c)
    fail(temperature, "max_c", "must not be below min_c");
  a.start_temperature_c =
      temperature.get_double("start_c", std::clamp(25.0, s.temperature_min_c, s.temperature_max_c),
                             s.temperature_min_c, s.temperature_max_c);
}

void read_sample(const ConfigTable& root, SaxsSampleSettings& s) {
  const ConfigTable t = root.table_or_empty("sample");
  s.boundary_x_mm = t.get_double("boundary_x_mm", s.boundary_x_mm, -1000.0, 1000.0);
  s.boundary_width_mm = t.get_double("boundary_width_mm", s.boundary_width_mm, 0.0, 1000.0);
  s.reference_temperature_c =
      t.get_double("reference_temperature_c", s.reference_temperature_c, -273.0, 2000.0);
  s.sphere_radius_min_nm = t.get_double("sphere_radius_min_nm", s.sphere_radius_min_nm, 0.5, 500.0);
  s.sphere_radius_max_nm = t.get_double("sphere_radius_max_nm", s.sphere_radius_max_nm, 0.5, 500.0);
  s.sphere_polydispersity_min = t.get_double("sphere_polydispersity_min",
                                             s.sphere_polydispersity_min, 0.0, kMaxPolydispersity);
  s.sphere_polydispersity_max = t.get_double("sphere_polydispersity_max",
                                             s.sphere_polydispersity_max, 0.0, kMaxPolydispersity);
  s.sphere_volume_fraction_peak =
      t.get_double("sphere_volume_fraction_peak", s.sphere_volume_fraction_peak, 0.0, 0.45);
  s.sphere_volume_fraction_floor =
      t.get_double("sphere_volume_fraction_floor", s.sphere_volume_fraction_floor, 0.0, 0.45);
  s.sphere_swelling_per_c =
      t.get_double("sphere_swelling_per_c", s.sphere_swelling_per_c, -0.1, 0.1);
  s.sphere_contrast = t.get_double("sphere_contrast", s.sphere_contrast, -100.0, 100.0);
  s.structure_factor = t.get_bool("structure_factor", s.structure_factor);
  s.cylinder_radius_nm = t.get_double("cylinder_radius_nm", s.cylinder_radius_nm, 0.5, 500.0);
  s.cylinder_length_min_nm =
      t.get_double("cylinder_length_min_nm", s.cylinder_length_min_nm, 1.0, 5000.0);
  s.cylinder_length_max_nm =
      t.get_double("cylinder_length_max_nm", s.cylinder_length_max_nm, 1.0, 5000.0);
  s.cylinder_polydispersity =
      t.get_double("cylinder_polydispersity", s.cylinder_polydispersity, 0.0, kMaxPolydispersity);
  s.cylinder_volume_fraction =
      t.get_double("cylinder_volume_fraction", s.cylinder_volume_fraction, 0.0, 0.3);
  s.cylinder_growth_per_c =
      t.get_double("cylinder_growth_per_c", s.cylinder_growth_per_c, -0.1, 0.1);
  s.cylinder_contrast = t.get_double("cylinder_contrast", s.cylinder_contrast, -100.0, 100.0);
  s.thickness_mm = t.get_double("thickness_mm", s.thickness_mm, 1e-3, 100.0);
  s.transmission = t.get_double("transmission", s.transmission, 1e-6, 1.0);
  s.background_per_cm = t.get_double("background_per_cm", s.background_per_cm, 0.0, 1e6);
  s.target_q_nm = t.get_double("target_q_nm", s.target_q_nm, 1e-4, 100.0);
  if (s.sphere_radius_max_nm < s.sphere_radius_min_nm) {
    fail(t, "sphere_radius_max_nm", "must not be below sphere_radius_min_nm");
  }
  if (s.sphere_polydispersity_max < s.sphere_polydispersity_min) {
    fail(t, "sphere_polydispersity_max", "must not be below sphere_polydispersity_min");
  }
  if (s.sphere_volume_fraction_floor > s.sphere_volume_fraction_peak) {
    fail(t, "sphere_volume_fraction_floor", "must not exceed sphere_volume_fraction_peak");
  }
  if (s.cylinder_length_max_nm < s.cylinder_length_min_nm) {
    fail(t, "cylinder_length_max_nm", "must not be below cylinder_length_min_nm");
  }
}

void read_acquisition(const ConfigTable& root, SaxsBeamSettings& beam, SaxsAcquisitionSettings& a) {
  const ConfigTable b = root.table_or_empty("beam");
  beam.flux_photons_per_s = b.get_double("flux_photons_per_s", beam.flux_photons_per_s, 0.0, 1e16);
  beam.polarization_factor =
      b.get_double("polarization_factor", beam.polarization_factor, -1.0, 1.0);

  const ConfigTable t = root.table_or_empty("acquisition");
  a.max_exposure_s = t.get_double("max_exposure_s", a.max_exposure_s, 1e-6, 86400.0);
  a.exposure_s =
      t.get_double("exposure_s", std::min(a.exposure_s, a.max_exposure_s), 1e-6, a.max_exposure_s);
  a.max_frames = get_u32(t, "max_frames", a.max_frames, 1, 1000000);
  a.shutter_open = t.get_bool("shutter_open", a.shutter_open);

  const ConfigTable timing = root.table_or_empty("timing");
  a.realtime = timing.get_bool("realtime", a.realtime);
}

}  // namespace

formats::PoniParameters default_saxs_geometry(const SaxsDetectorSettings& detector) {
  formats::PoniParameters g;
  const double pitch = detector.pixel_size_um * 1e-6;
  g.dist = 2.0;
  g.wavelength = 1e-10;
  g.pixel1 = pitch;
  g.pixel2 = pitch;
  g.rows = detector.rows;
  g.cols = detector.cols;
  g.poni1 = 0.55 * detector.rows * pitch;
  g.poni2 = 0.48 * detector.cols * pitch;
  return g;
}

SaxsConfig saxs_config_from(const ConfigTable& root) {
  SaxsConfig config;
  config.common = sim_common_config_from(root, "sim-saxs");
  read_detector(root, config.detector);
  read_geometry(root, config.detector, config.geometry);
  read_stage(root, config.stage, config.acquisition);
  read_sample(root, config.sample);
  read_acquisition(root, config.beam, config.acquisition);
  // The sample model checks the combinations (the coexistence band inside the stage, sizes
  // that stay positive at every temperature) that single keys cannot.
  try {
    const SaxsSample sample(config.sample, config.stage, config.common.seed);
  } catch (const std::invalid_argument& error) {
    throw ConfigError(root.source(), "sample", error.what());
  }
  root.reject_unknown_keys();
  return config;
}

SaxsConfig load_saxs_config(const std::filesystem::path& file, const SimOverrides& overrides) {
  SaxsConfig config = saxs_config_from(ConfigTable::load_file(file));
  apply_overrides(config.common, overrides);
  return config;
}

}  // namespace edgeloop::sims
