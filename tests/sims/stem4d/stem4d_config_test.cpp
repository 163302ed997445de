#include "edgeloop/sims/stem4d_config.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "edgeloop/core/config_error.hpp"
#include "edgeloop/testing/temp_dir.hpp"

namespace edgeloop::sims {
namespace {

using std::chrono::milliseconds;

Stem4DConfig parse(std::string_view text) {
  return stem4d_config_from(ConfigTable::parse(text, "sim.toml"));
}

std::string error_of(std::string_view text) {
  try {
    parse(text);
  } catch (const ConfigError& error) {
    return error.what();
  }
  ADD_FAILURE() << "expected a ConfigError for:\n" << text;
  return "";
}

TEST(Stem4DConfig, EmptyFileGivesDefaults) {
  const Stem4DConfig config = parse("");
  EXPECT_EQ(config.name, "sim-4dstem");
  EXPECT_EQ(config.seed, 1U);
  EXPECT_EQ(config.data_endpoint, "tcp://127.0.0.1:47100");
  EXPECT_EQ(config.commands_endpoint, "tcp://127.0.0.1:47102");
  EXPECT_EQ(config.detector_size, 96U);
  EXPECT_EQ(config.dtype, wire::DType::U16);
  EXPECT_EQ(config.max_x, 1023U);
  EXPECT_EQ(config.max_y, 1023U);
  EXPECT_EQ(config.electrons_per_position, 20000.0);
  EXPECT_EQ(config.frame_rate_hz, 0.0);
  EXPECT_EQ(config.heartbeat, milliseconds(500));
  EXPECT_EQ(config.log.level, "info");
}

TEST(Stem4DConfig, ReadsEveryKey) {
  const Stem4DConfig config = parse(R"(
[instrument]
name = "stem-2"
seed = 99
[endpoints]
data = "ipc:///tmp/d"
commands = "tcp://10.0.0.1:5"
[detector]
size = 256
dtype = "u32"
[scan]
max_x = 511
max_y = 255
[beam]
electrons_per_position = 1e5
[timing]
frame_rate_hz = 2000
heartbeat_ms = 250
[logging]
level = "debug"
format = "json"
)");
  EXPECT_EQ(config.name, "stem-2");
  EXPECT_EQ(config.seed, 99U);
  EXPECT_EQ(config.data_endpoint, "ipc:///tmp/d");
  EXPECT_EQ(config.commands_endpoint, "tcp://10.0.0.1:5");
  EXPECT_EQ(config.detector_size, 256U);
  EXPECT_EQ(config.dtype, wire::DType::U32);
  EXPECT_EQ(config.max_x, 511U);
  EXPECT_EQ(config.max_y, 255U);
  EXPECT_EQ(config.electrons_per_position, 1e5);
  EXPECT_EQ(config.frame_rate_hz, 2000.0);
  EXPECT_EQ(config.heartbeat, milliseconds(250));
  EXPECT_EQ(config.log.level, "debug");
  EXPECT_EQ(config.log.format, "json");
  EXPECT_EQ(parse("[detector]\ndtype = \"u8\"").dtype, wire::DType::U8);
}

TEST(Stem4DConfig, ErrorsNameFileAndKey) {
  EXPECT_EQ(error_of("[detector]\nsize = 100\n"),
            "sim.toml: detector.size: must be 96, 128 or 256, got 100");
  EXPECT_NE(error_of("[detector]\ndtype = \"f32\"\n").find("detector.dtype"), std::string::npos);
  EXPECT_NE(error_of("[scan]\nmax_x = 0\n").find("scan.max_x"), std::string::npos);
  EXPECT_NE(error_of("[beam]\nelectrons_per_position = -1\n").find("beam.electrons_per_position"),
            std::string::npos);
  EXPECT_NE(error_of("[timing]\nheartbeat_ms = 0\n").find("timing.heartbeat_ms"),
            std::string::npos);
  EXPECT_NE(error_of("[timing]\nframe_rate_hz = 1e-6\n").find("timing.frame_rate_hz"),
            std::string::npos);
  EXPECT_NE(error_of("[beam]\nelectrons_per_position = 2e7\n").find("out of range"),
            std::string::npos);
  EXPECT_NE(error_of("[endpoints]\ndata = \"localhost\"\n").find("endpoints.data"),
            std::string::npos);
  EXPECT_NE(error_of("[instrument]\nname = \"\"\n").find("instrument.name"), std::string::npos);
  // edgeloopd ignores instruments with longer names, so the simulator refuses them up front.
  EXPECT_NE(error_of("[instrument]\nname = \"" + std::string(65, 'n') + "\"\n").find("1 to 64"),
            std::string::npos);
  EXPECT_NO_THROW(parse("[instrument]\nname = \"" + std::string(64, 'n') + "\"\n"));
  EXPECT_NE(error_of("[logging]\nlevel = \"loud\"\n").find("logging.level"), std::string::npos);
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
  Stem4DOverrides overrides;
  overrides.data_endpoint = "tcp://127.0.0.1:1";
  overrides.commands_endpoint = "tcp://127.0.0.1:2";
  overrides.seed = 17;
  overrides.name = "from-cli";
  const Stem4DConfig config = load_stem4d_config(file, overrides);
  EXPECT_EQ(config.name, "from-cli");
  EXPECT_EQ(config.seed, 17U);
  EXPECT_EQ(config.data_endpoint, "tcp://127.0.0.1:1");
  EXPECT_EQ(config.commands_endpoint, "tcp://127.0.0.1:2");
  EXPECT_EQ(load_stem4d_config(file).name, "from-file");

  overrides.data_endpoint = "nonsense";
  EXPECT_THROW(load_stem4d_config(file, overrides), ConfigError);
}

TEST(Stem4DConfig, ExampleConfigIsValidAndHoldsTheDefaults) {
  const Stem4DConfig example = load_stem4d_config(EDGELOOP_EXAMPLE_CONFIG);
  const Stem4DConfig defaults = parse("");
  EXPECT_EQ(example.name, defaults.name);
  EXPECT_EQ(example.data_endpoint, defaults.data_endpoint);
  EXPECT_EQ(example.commands_endpoint, defaults.commands_endpoint);
  EXPECT_EQ(example.detector_size, defaults.detector_size);
  EXPECT_EQ(example.max_x, defaults.max_x);
  EXPECT_EQ(example.electrons_per_position, defaults.electrons_per_position);
  EXPECT_EQ(example.heartbeat, defaults.heartbeat);
}

}  // namespace
}  // namespace edgeloop::sims
