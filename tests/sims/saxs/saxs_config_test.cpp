#include "edgeloop/sims/saxs_config.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "edgeloop/core/config_error.hpp"
#include "edgeloop/testing/config_error_of.hpp"
#include "edgeloop/testing/temp_dir.hpp"

namespace edgeloop::sims {
namespace {

SaxsConfig parse(std::string_view text) {
  return saxs_config_from(ConfigTable::parse(text, "saxs.toml"));
}

std::string error_of(std::string_view text) {
  return testing::config_error_of(parse, text);
}

std::filesystem::path example_config() {
  return EDGELOOP_EXAMPLE_CONFIG;
}

TEST(SaxsConfig, EmptyFileGivesDefaults) {
  const SaxsConfig c = parse("");
  EXPECT_EQ(c.common.name, "sim-saxs");
  EXPECT_EQ(c.common.seed, 1U);
  EXPECT_EQ(c.detector.rows, 1024U);
  EXPECT_EQ(c.detector.cols, 1024U);
  EXPECT_EQ(c.detector.dtype, wire::DType::U32);
  EXPECT_EQ(c.detector.pixel_size_um, 75.0);
  EXPECT_EQ(c.geometry.dist, 2.0);
  EXPECT_EQ(c.geometry.wavelength, 1e-10);
  EXPECT_EQ(c.geometry.rows, 1024U);
  EXPECT_NEAR(c.geometry.poni1, 0.55 * 1024 * 75e-6, 1e-15);
  EXPECT_NEAR(c.geometry.poni2, 0.48 * 1024 * 75e-6, 1e-15);
  EXPECT_EQ(c.stage.x_min_mm, -20.0);
  EXPECT_EQ(c.acquisition.start_x_mm, 0.0);
  EXPECT_EQ(c.acquisition.start_temperature_c, 25.0);
  EXPECT_EQ(c.acquisition.exposure_s, 1.0);
  EXPECT_TRUE(c.acquisition.shutter_open);
  EXPECT_FALSE(c.acquisition.realtime);
  EXPECT_EQ(c.beam.flux_photons_per_s, 1e11);
  EXPECT_EQ(c.sample.sphere_radius_max_nm, 18.0);
}

TEST(SaxsConfig, TheExampleFileHoldsTheDefaults) {
  const SaxsConfig file = saxs_config_from(ConfigTable::load_file(example_config()));
  const SaxsConfig defaults = parse("");
  EXPECT_EQ(file.common.name, defaults.common.name);
  EXPECT_EQ(file.detector.rows, defaults.detector.rows);
  EXPECT_EQ(file.detector.module_rows, defaults.detector.module_rows);
  EXPECT_EQ(file.detector.dark_counts_per_s, defaults.detector.dark_counts_per_s);
  EXPECT_EQ(file.detector.beamstop_radius_mm, defaults.detector.beamstop_radius_mm);
  EXPECT_EQ(file.geometry.dist, defaults.geometry.dist);
  EXPECT_EQ(file.geometry.poni1, defaults.geometry.poni1);
  EXPECT_EQ(file.geometry.wavelength, defaults.geometry.wavelength);
  EXPECT_EQ(file.beam.polarization_factor, defaults.beam.polarization_factor);
  EXPECT_EQ(file.stage.y_max_mm, defaults.stage.y_max_mm);
  EXPECT_EQ(file.stage.temperature_max_c, defaults.stage.temperature_max_c);
  EXPECT_EQ(file.sample.cylinder_length_max_nm, defaults.sample.cylinder_length_max_nm);
  EXPECT_EQ(file.sample.target_q_nm, defaults.sample.target_q_nm);
  EXPECT_EQ(file.acquisition.max_frames, defaults.acquisition.max_frames);
  EXPECT_EQ(file.common.heartbeat, defaults.common.heartbeat);
}

TEST(SaxsConfig, ReadsEveryKey) {
  const SaxsConfig c = parse(R"(
[instrument]
name = "saxs-2"
seed = 42
[detector]
rows = 256
cols = 512
pixel_size_um = 172
dtype = "u16"
module_rows = 100
module_cols = 0
gap_rows = 3
gap_cols = 0
dead_pixels = 1
hot_pixels = 2
dark_counts_per_s = 0.5
[beamstop]
radius_mm = 3
arm_width_mm = 1
arm_angle_deg = -45
[geometry]
distance_m = 5
poni1_m = 0.02
poni2_m = 0.04
rot1_rad = 0.01
rot2_rad = -0.02
rot3_rad = 0.5
wavelength_m = 1.5e-10
[beam]
flux_photons_per_s = 2e12
polarization_factor = 0.5
[stage]
x_min_mm = -5
x_max_mm = 30
y_min_mm = 0
y_max_mm = 4
start_x_mm = 1
start_y_mm = 2
[temperature]
min_c = 20
max_c = 80
start_c = 60
[sample]
boundary_x_mm = 10
boundary_width_mm = 1
reference_temperature_c = 30
sphere_radius_min_nm = 4
sphere_radius_max_nm = 30
sphere_polydispersity_min = 0
sphere_polydispersity_max = 0.2
sphere_volume_fraction_peak = 0.3
sphere_volume_fraction_floor = 0.1
sphere_swelling_per_c = 0.001
sphere_contrast = 5
structure_factor = false
cylinder_radius_nm = 2
cylinder_polydispersity = 0.05
cylinder_length_min_nm = 20
cylinder_length_max_nm = 60
cylinder_growth_per_c = 0.002
cylinder_volume_fraction = 0.1
cylinder_contrast = 3
thickness_mm = 2
transmission = 0.3
background_per_cm = 0.1
target_q_nm = 0.3
[acquisition]
exposure_s = 0.1
max_exposure_s = 10
max_frames = 5
shutter_open = false
[timing]
realtime = true
heartbeat_ms = 250
)");
  EXPECT_EQ(c.common.name, "saxs-2");
  EXPECT_EQ(c.common.seed, 42U);
  EXPECT_EQ(c.detector.rows, 256U);
  EXPECT_EQ(c.detector.cols, 512U);
  EXPECT_EQ(c.detector.pixel_size_um, 172.0);
  EXPECT_EQ(c.detector.dtype, wire::DType::U16);
  EXPECT_EQ(c.detector.module_rows, 100U);
  EXPECT_EQ(c.detector.module_cols, 0U);
  EXPECT_EQ(c.detector.gap_rows, 3U);
  EXPECT_EQ(c.detector.dead_pixels, 1U);
  EXPECT_EQ(c.detector.hot_pixels, 2U);
  EXPECT_EQ(c.detector.dark_counts_per_s, 0.5);
  EXPECT_EQ(c.detector.beamstop_radius_mm, 3.0);
  EXPECT_EQ(c.detector.beamstop_arm_width_mm, 1.0);
  EXPECT_EQ(c.detector.beamstop_arm_angle_deg, -45.0);
  EXPECT_EQ(c.geometry.dist, 5.0);
  EXPECT_EQ(c.geometry.poni1, 0.02);
  EXPECT_EQ(c.geometry.poni2, 0.04);
  EXPECT_EQ(c.geometry.rot1, 0.01);
  EXPECT_EQ(c.geometry.rot2, -0.02);
  EXPECT_EQ(c.geometry.rot3, 0.5);
  EXPECT_EQ(c.geometry.wavelength, 1.5e-10);
  EXPECT_EQ(c.geometry.rows, 256U);
  EXPECT_EQ(c.geometry.cols, 512U);
  EXPECT_DOUBLE_EQ(c.geometry.pixel1, 172e-6);
  EXPECT_EQ(c.beam.flux_photons_per_s, 2e12);
  EXPECT_EQ(c.beam.polarization_factor, 0.5);
  EXPECT_EQ(c.stage.x_min_mm, -5.0);
  EXPECT_EQ(c.stage.x_max_mm, 30.0);
  EXPECT_EQ(c.stage.y_max_mm, 4.0);
  EXPECT_EQ(c.acquisition.start_x_mm, 1.0);
  EXPECT_EQ(c.acquisition.start_y_mm, 2.0);
  EXPECT_EQ(c.stage.temperature_min_c, 20.0);
  EXPECT_EQ(c.stage.temperature_max_c, 80.0);
  EXPECT_EQ(c.acquisition.start_temperature_c, 60.0);
  EXPECT_EQ(c.sample.boundary_x_mm, 10.0);
  EXPECT_EQ(c.sample.boundary_width_mm, 1.0);
  EXPECT_EQ(c.sample.reference_temperature_c, 30.0);
  EXPECT_EQ(c.sample.sphere_radius_min_nm, 4.0);
  EXPECT_EQ(c.sample.sphere_radius_max_nm, 30.0);
  EXPECT_EQ(c.sample.sphere_polydispersity_min, 0.0);
  EXPECT_EQ(c.sample.sphere_polydispersity_max, 0.2);
  EXPECT_EQ(c.sample.sphere_volume_fraction_peak, 0.3);
  EXPECT_EQ(c.sample.sphere_volume_fraction_floor, 0.1);
  EXPECT_EQ(c.sample.sphere_swelling_per_c, 0.001);
  EXPECT_EQ(c.sample.sphere_contrast, 5.0);
  EXPECT_FALSE(c.sample.structure_factor);
  EXPECT_EQ(c.sample.cylinder_radius_nm, 2.0);
  EXPECT_EQ(c.sample.cylinder_polydispersity, 0.05);
  EXPECT_EQ(c.sample.cylinder_length_min_nm, 20.0);
  EXPECT_EQ(c.sample.cylinder_length_max_nm, 60.0);
  EXPECT_EQ(c.sample.cylinder_growth_per_c, 0.002);
  EXPECT_EQ(c.sample.cylinder_volume_fraction, 0.1);
  EXPECT_EQ(c.sample.cylinder_contrast, 3.0);
  EXPECT_EQ(c.sample.thickness_mm, 2.0);
  EXPECT_EQ(c.sample.transmission, 0.3);
  EXPECT_EQ(c.sample.background_per_cm, 0.1);
  EXPECT_EQ(c.sample.target_q_nm, 0.3);
  EXPECT_EQ(c.acquisition.exposure_s, 0.1);
  EXPECT_EQ(c.acquisition.max_exposure_s, 10.0);
  EXPECT_EQ(c.acquisition.max_frames, 5U);
  EXPECT_FALSE(c.acquisition.shutter_open);
  EXPECT_TRUE(c.acquisition.realtime);
  EXPECT_EQ(c.common.heartbeat, std::chrono::milliseconds(250));
}

TEST(SaxsConfig, ErrorsNameTheKey) {
  EXPECT_NE(error_of("[detector]\nrows = 10").find("saxs.toml: detector.rows:"), std::string::npos);
  EXPECT_NE(error_of("[detector]\ndtype = \"u8\"").find("detector.dtype"), std::string::npos);
  EXPECT_NE(error_of("[detector]\nmodule_rows = 5000").find("detector.module_rows"),
            std::string::npos);
  EXPECT_NE(
      error_of("[detector]\nrows = 64\ncols = 64\ndead_pixels = 100").find("detector.dead_pixels"),
      std::string::npos);
  EXPECT_NE(error_of("[beamstop]\nradius_mm = -1").find("beamstop.radius_mm"), std::string::npos);
  EXPECT_NE(error_of("[geometry]\ndistance_m = 0").find("geometry.distance_m"), std::string::npos);
  EXPECT_NE(error_of("[geometry]\nrot1_rad = 1.0").find("geometry.rot1_rad"), std::string::npos);
  EXPECT_NE(error_of("[geometry]\nponi_file = \"x.poni\"\ndistance_m = 1")
                .find("geometry.distance_m: cannot be combined with geometry.poni_file"),
            std::string::npos);
  EXPECT_NE(error_of("[beam]\npolarization_factor = 2").find("beam.polarization_factor"),
            std::string::npos);
  EXPECT_NE(error_of("[stage]\nx_min_mm = 5\nx_max_mm = 5").find("stage.x_max_mm"),
            std::string::npos);
  EXPECT_NE(error_of("[stage]\nstart_x_mm = 25").find("stage.start_x_mm"), std::string::npos);
  EXPECT_NE(error_of("[temperature]\nmin_c = 50\nmax_c = 40").find("temperature.max_c"),
            std::string::npos);
  EXPECT_NE(error_of("[sample]\nsphere_radius_max_nm = 2").find("sample.sphere_radius_max_nm"),
            std::string::npos);
  EXPECT_NE(error_of("[sample]\nsphere_volume_fraction_peak = 0.6")
                .find("sample.sphere_volume_fraction_peak"),
            std::string::npos);
  // A combination only the sample model can judge: the band leaves the stage.
  EXPECT_NE(error_of("[sample]\nboundary_x_mm = 19.5")
                .find("saxs.toml: sample: SaxsSample: "
                      "boundary_x_mm"),
            std::string::npos);
  EXPECT_NE(
      error_of("[acquisition]\nmax_exposure_s = 2\nexposure_s = 3").find("acquisition.exposure_s"),
      std::string::npos);
  EXPECT_NE(error_of("[acquisition]\nmax_frames = 0").find("acquisition.max_frames"),
            std::string::npos);
  EXPECT_NE(error_of("[timing]\nrealtime = 1").find("timing.realtime"), std::string::npos);
  const std::string typo = error_of("[sample]\nsphere_radius_mx_nm = 20");
  EXPECT_NE(typo.find("sample.sphere_radius_mx_nm"), std::string::npos);
  EXPECT_NE(typo.find("did you mean 'sphere_radius_max_nm'"), std::string::npos);
  EXPECT_NE(error_of("[instrument]\nname = \"\"").find("instrument.name"), std::string::npos);
}

TEST(SaxsConfig, GeometryFromAPoniFile) {
  const testing::TempDir dir;
  SaxsDetectorSettings detector;
  detector.rows = 256;
  detector.cols = 256;
  formats::PoniParameters p = default_saxs_geometry(detector);
  p.dist = 3.5;
  p.rot2 = 0.01;
  formats::PoniGeometry(p).write(dir / "calib.poni");
  {
    std::ofstream toml(dir / "saxs.toml");
    toml << "[detector]\nrows = 256\ncols = 256\n[geometry]\nponi_file = \"calib.poni\"\n";
  }
  const SaxsConfig c = load_saxs_config(dir / "saxs.toml");
  EXPECT_EQ(c.geometry.dist, 3.5);
  EXPECT_EQ(c.geometry.rot2, 0.01);
  // A file for another detector is refused, naming the key.
  {
    std::ofstream toml(dir / "other.toml");
    toml << "[detector]\nrows = 512\ncols = 512\n[geometry]\nponi_file = \"calib.poni\"\n";
  }
  try {
    (void)load_saxs_config(dir / "other.toml");
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& error) {
    EXPECT_EQ(error.key(), "geometry.poni_file");
    EXPECT_NE(std::string(error.what()).find("max_shape [256, 256]"), std::string::npos);
  }
  {
    std::ofstream toml(dir / "missing.toml");
    toml << "[geometry]\nponi_file = \"nowhere.poni\"\n";
  }
  try {
    (void)load_saxs_config(dir / "missing.toml");
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& error) {
    EXPECT_EQ(error.key(), "geometry.poni_file");
    EXPECT_NE(std::string(error.what()).find("nowhere.poni: cannot read"), std::string::npos);
  }
}

TEST(SaxsConfig, CommandLineOverridesWin) {
  SimOverrides overrides;
  overrides.seed = 99;
  overrides.name = "beamline-7";
  overrides.data_endpoint = "ipc:///tmp/data";
  const SaxsConfig c = load_saxs_config(example_config(), overrides);
  EXPECT_EQ(c.common.seed, 99U);
  EXPECT_EQ(c.common.name, "beamline-7");
  EXPECT_EQ(c.common.data_endpoint, "ipc:///tmp/data");
  overrides.data_endpoint = "nonsense";
  EXPECT_THROW((void)load_saxs_config(example_config(), overrides), ConfigError);
}

}  // namespace
}  // namespace edgeloop::sims
