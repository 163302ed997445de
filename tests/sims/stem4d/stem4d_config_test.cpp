#include "edgeloop/sims/stem4d_config.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "edgeloop/core/config_error.hpp"
#include "edgeloop/testing/config_error_of.hpp"
#include "edgeloop/testing/temp_dir.hpp"

namespace edgeloop::sims {
namespace {

Stem4DConfig parse(std::string_view text) {
  return stem4d_config_from(ConfigTable::parse(text, "sim.toml"));
}

std::string error_of(std::string_view text) {
  return testing::config_error_of(parse, text);
}

TEST(Stem4DConfig, EmptyFileGivesDefaults) {
  const Stem4DConfig config = parse("");
  EXPECT_EQ(config.common.name, "sim-4dstem");
  EXPECT_EQ(config.detector_size, 96U);
  EXPECT_EQ(config.dtype, wire::DType::U16);
  EXPECT_EQ(config.max_x, 1023U);
  EXPECT_EQ(config.max_y, 1023U);
  EXPECT_EQ(config.model, PatternModelKind::PhaseObject);
  EXPECT_EQ(config.dwell_us, 1000.0);
  EXPECT_EQ(config.beam_current_pa, 3.2);
  EXPECT_FALSE(config.realtime);
}

TEST(Stem4DConfig, ReadsEveryKey) {
  const Stem4DConfig config = parse(R"(
[instrument]
name = "stem-2"
[detector]
size = 256
dtype = "u32"
psf_sigma_px = 0.7
[scan]
max_x = 511
max_y = 255
dwell_us = 50
min_dwell_us = 10
max_dwell_us = 5000
[beam]
current_pa = 20
[optics]
model = "kinematic"
beam_energy_kv = 200
convergence_mrad = 15
defocus_nm = -30
max_defocus_nm = 500
[timing]
realtime = true
)");
  EXPECT_EQ(config.common.name, "stem-2");
  EXPECT_EQ(config.detector_size, 256U);
  EXPECT_EQ(config.dtype, wire::DType::U32);
  EXPECT_EQ(config.psf_sigma_px, 0.7);
  EXPECT_EQ(config.max_x, 511U);
  EXPECT_EQ(config.max_y, 255U);
  EXPECT_EQ(config.dwell_us, 50.0);
  EXPECT_EQ(config.min_dwell_us, 10.0);
  EXPECT_EQ(config.max_dwell_us, 5000.0);
  EXPECT_EQ(config.beam_current_pa, 20.0);
  EXPECT_EQ(config.model, PatternModelKind::Kinematic);
  EXPECT_EQ(config.beam_energy_kv, 200.0);
  EXPECT_EQ(config.convergence_mrad, 15.0);
  EXPECT_EQ(config.defocus_nm, -30.0);
  EXPECT_EQ(config.max_defocus_nm, 500.0);
  EXPECT_TRUE(config.realtime);
  EXPECT_EQ(parse("[detector]\ndtype = \"u8\"").dtype, wire::DType::U8);
}

TEST(Stem4DConfig, ErrorsNameFileAndKey) {
  EXPECT_EQ(error_of("[detector]\nsize = 100\n"),
            "sim.toml: detector.size: must be 96, 128 or 256, got 100");
  EXPECT_NE(error_of("[detector]\ndtype = \"f32\"\n").find("detector.dtype"), std::string::npos);
  EXPECT_NE(error_of("[scan]\nmax_x = 0\n").find("scan.max_x"), std::string::npos);
  EXPECT_NE(error_of("[scan]\ndwell_us = 0.001\n").find("scan.dwell_us"), std::string::npos);
  EXPECT_NE(error_of("[beam]\ncurrent_pa = -1\n").find("beam.current_pa"), std::string::npos);
  // 1 nA for 100 ms is 6e8 electrons per position: far beyond a live simulator.
  EXPECT_NE(error_of("[beam]\ncurrent_pa = 1000\n").find("at most 1e7"), std::string::npos);
  EXPECT_NE(error_of("[optics]\nmodel = \"multislice\"\n").find("optics.model"), std::string::npos);
  EXPECT_NE(error_of("[optics]\ndefocus_nm = 3000\n").find("optics.defocus_nm"), std::string::npos);
  EXPECT_NE(error_of("[timing]\nrealtime = 3\n").find("timing.realtime"), std::string::npos);
}

TEST(Stem4DConfig, UnknownKeysAreRejected) {
  const std::string error = error_of("[detector]\nsize = 96\nbinning = 2\n");
  EXPECT_NE(error.find("sim.toml"), std::string::npos) << error;
  EXPECT_NE(error.find("detector.binning"), std::string::npos) << error;
  EXPECT_NE(error_of("[stage]\nx = 1\n").find("stage"), std::string::npos);
}

TEST(Stem4DConfig, CommandLineOverridesTheFile) {
  testing::TempDir dir;
  const auto file = dir / "sim.toml";
  std::ofstream(file) << "[instrument]\nname = \"from-file\"\nseed = 3\n";
  SimOverrides overrides;
  overrides.seed = 17;
  overrides.name = "from-cli";
  const Stem4DConfig config = load_stem4d_config(file, overrides);
  EXPECT_EQ(config.common.name, "from-cli");
  EXPECT_EQ(config.common.seed, 17U);
  EXPECT_EQ(load_stem4d_config(file).common.name, "from-file");
}

TEST(Stem4DConfig, ExampleConfigIsValidAndHoldsTheDefaults) {
  const Stem4DConfig example = load_stem4d_config(EDGELOOP_EXAMPLE_CONFIG);
  const Stem4DConfig defaults = parse("");
  EXPECT_EQ(example.common.name, defaults.common.name);
  EXPECT_EQ(example.common.data_endpoint, defaults.common.data_endpoint);
  EXPECT_EQ(example.common.commands_endpoint, defaults.common.commands_endpoint);
  EXPECT_EQ(example.common.heartbeat, defaults.common.heartbeat);
  EXPECT_EQ(example.detector_size, defaults.detector_size);
  EXPECT_EQ(example.max_x, defaults.max_x);
  EXPECT_EQ(example.dwell_us, defaults.dwell_us);
  EXPECT_EQ(example.beam_current_pa, defaults.beam_current_pa);
  EXPECT_EQ(example.model, defaults.model);
  EXPECT_EQ(example.convergence_mrad, defaults.convergence_mrad);
  EXPECT_EQ(example.realtime, defaults.realtime);
}

}  // namespace
}  // namespace edgeloop::sims
