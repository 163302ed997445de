#include "edgeloop/sims/apt_config.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "edgeloop/core/config_error.hpp"
#include "edgeloop/formats/h5_file.hpp"
#include "edgeloop/sims/apt_device.hpp"
#include "edgeloop/testing/config_error_of.hpp"
#include "edgeloop/testing/temp_dir.hpp"

namespace edgeloop::sims {
namespace {

const std::filesystem::path kExample = EDGELOOP_EXAMPLE_CONFIG;

AptConfig parse(std::string_view text) {
  return apt_config_from(ConfigTable::parse(text, "sim-apt.toml"));
}

std::string error_of(std::string_view text) {
  return testing::config_error_of(parse, text);
}

TEST(AptConfig, EmptyFileGivesDefaults) {
  const AptConfig config = parse("");
  EXPECT_EQ(config.common.name, "sim-apt");
  EXPECT_EQ(config.common.seed, 1U);
  EXPECT_EQ(config.specimen.tip_radius_nm, 30.0);
  EXPECT_EQ(config.specimen.base, "Al");
  ASSERT_EQ(config.specimen.matrix.size(), 2U);
  EXPECT_EQ(config.specimen.matrix[0].symbol, "Mg");
  EXPECT_EQ(config.specimen.matrix[0].fraction, 0.002);
  EXPECT_EQ(config.specimen.matrix[1].symbol, "Cu");
  EXPECT_EQ(config.specimen.matrix[1].fraction, 0.014);
  EXPECT_EQ(config.specimen.clusters.number_density_per_nm3, 1e-3);
  EXPECT_EQ(config.detector.flight_length_mm, 100.0);
  EXPECT_EQ(config.detector.efficiency, 0.6);
  EXPECT_EQ(config.evaporation.doubly_charged.size(), 3U);
  EXPECT_EQ(config.evaporation.background_per_pulse, 1e-4);
  EXPECT_EQ(config.pulse_rate_hz, 200e3);
  EXPECT_EQ(config.pulses_per_chunk, 10000U);
  EXPECT_EQ(config.detection_rate, 0.005);
  EXPECT_EQ(config.voltage.start_v, 1000.0);
  EXPECT_TRUE(config.realtime);
  EXPECT_TRUE(config.replay_file.empty());
  EXPECT_TRUE(config.record_file.empty());
  EXPECT_TRUE(config.ranges_file.empty());
}

TEST(AptConfig, TheExampleFileHoldsTheDefaults) {
  const AptConfig example = apt_config_from(ConfigTable::load_file(kExample));
  const AptConfig defaults = parse("");
  EXPECT_EQ(example.common.name, defaults.common.name);
  EXPECT_EQ(example.specimen.length_nm, defaults.specimen.length_nm);
  ASSERT_EQ(example.specimen.matrix.size(), defaults.specimen.matrix.size());
  for (std::size_t i = 0; i < example.specimen.matrix.size(); ++i) {
    EXPECT_EQ(example.specimen.matrix[i].symbol, defaults.specimen.matrix[i].symbol);
    EXPECT_NEAR(example.specimen.matrix[i].fraction, defaults.specimen.matrix[i].fraction, 1e-15);
  }
  ASSERT_EQ(example.specimen.clusters.composition.size(), 2U);
  EXPECT_NEAR(example.specimen.clusters.composition[1].fraction, 0.25, 1e-15);
  ASSERT_EQ(example.evaporation.doubly_charged.size(), 3U);
  // Read in isotope-table order: Mg, Al, Cu.
  EXPECT_EQ(example.evaporation.doubly_charged[0].symbol, "Mg");
  EXPECT_EQ(example.evaporation.doubly_charged[0].fraction, 0.6);
  EXPECT_EQ(example.detector.tof_window_ns, defaults.detector.tof_window_ns);
  EXPECT_EQ(example.voltage.integral_gain, defaults.voltage.integral_gain);
  EXPECT_EQ(example.max_detection_rate, defaults.max_detection_rate);
  EXPECT_EQ(example.realtime, defaults.realtime);
}

TEST(AptConfig, ReadsEveryKey) {
  const AptConfig c = parse(R"(
[instrument]
name = "apt-2"
seed = 99
[timing]
realtime = false
heartbeat_ms = 250
[specimen]
tip_radius_nm = 25
shank_half_angle_deg = 8
length_nm = 40
lattice_constant_nm = 0.36
base = "Ni"
[specimen.matrix]
Al = 10
Cr = 15.5
[specimen.clusters]
number_density_per_nm3 = 0
radius_nm = 2
radius_sigma_nm = 0.5
[specimen.clusters.composition]
Al = 25
[detector]
flight_length_mm = 90
radius_mm = 30
efficiency = 0.5
image_compression = 1.6
spatial_resolution_mm = 0.1
timing_jitter_ns = 0.3
t0_ns = 12.5
tof_window_ns = 4000
[evaporation]
field_v_per_nm = 35
field_factor = 3.0
voltage_sensitivity = 0.02
correlated_probability = 0.3
thermal_tail_fraction = 0.2
thermal_tail_ns = 2
[evaporation.doubly_charged]
Ni = 0.3
[background]
hits_per_pulse = 2e-4
[pulsing]
rate_hz = 500000
min_rate_hz = 10000
max_rate_hz = 600000
pulses_per_chunk = 5000
[control]
detection_rate = 0.01
max_detection_rate = 0.02
start_voltage_v = 2000
min_voltage_v = 800
max_voltage_v = 9000
max_step_v = 20
gain = 0.4
integral_gain = 0.05
[files]
ranges = "out.rrng"
record = "out.epos"
)");
  EXPECT_EQ(c.common.name, "apt-2");
  EXPECT_EQ(c.common.seed, 99U);
  EXPECT_EQ(c.common.heartbeat, std::chrono::milliseconds(250));
  EXPECT_FALSE(c.realtime);
  EXPECT_EQ(c.specimen.tip_radius_nm, 25.0);
  EXPECT_EQ(c.specimen.shank_half_angle_deg, 8.0);
  EXPECT_EQ(c.specimen.length_nm, 40.0);
  EXPECT_EQ(c.specimen.lattice_constant_nm, 0.36);
  EXPECT_EQ(c.specimen.base, "Ni");
  ASSERT_EQ(c.specimen.matrix.size(), 2U);
  EXPECT_EQ(c.specimen.matrix[0].symbol, "Al");
  EXPECT_EQ(c.specimen.matrix[0].fraction, 0.10);
  EXPECT_EQ(c.specimen.matrix[1].symbol, "Cr");
  EXPECT_EQ(c.specimen.matrix[1].fraction, 0.155);
  EXPECT_EQ(c.specimen.clusters.number_density_per_nm3, 0.0);
  EXPECT_EQ(c.specimen.clusters.radius_nm, 2.0);
  EXPECT_EQ(c.specimen.clusters.radius_sigma_nm, 0.5);
  ASSERT_EQ(c.specimen.clusters.composition.size(), 1U);
  EXPECT_EQ(c.detector.flight_length_mm, 90.0);
  EXPECT_EQ(c.detector.radius_mm, 30.0);
  EXPECT_EQ(c.detector.efficiency, 0.5);
  EXPECT_EQ(c.detector.image_compression, 1.6);
  EXPECT_EQ(c.detector.spatial_resolution_mm, 0.1);
  EXPECT_EQ(c.detector.timing_jitter_ns, 0.3);
  EXPECT_EQ(c.detector.t0_ns, 12.5);
  EXPECT_EQ(c.detector.tof_window_ns, 4000.0);
  EXPECT_EQ(c.evaporation.evaporation_field_v_per_nm, 35.0);
  EXPECT_EQ(c.evaporation.field_factor, 3.0);
  EXPECT_EQ(c.evaporation.voltage_sensitivity, 0.02);
  EXPECT_EQ(c.evaporation.correlated_probability, 0.3);
  EXPECT_EQ(c.evaporation.thermal_tail_fraction, 0.2);
  EXPECT_EQ(c.evaporation.thermal_tail_ns, 2.0);
  ASSERT_EQ(c.evaporation.doubly_charged.size(), 1U);
  EXPECT_EQ(c.evaporation.doubly_charged[0].symbol, "Ni");
  EXPECT_EQ(c.evaporation.background_per_pulse, 2e-4);
  EXPECT_EQ(c.pulse_rate_hz, 500e3);
  EXPECT_EQ(c.min_pulse_rate_hz, 10e3);
  EXPECT_EQ(c.max_pulse_rate_hz, 600e3);
  EXPECT_EQ(c.pulses_per_chunk, 5000U);
  EXPECT_EQ(c.detection_rate, 0.01);
  EXPECT_EQ(c.max_detection_rate, 0.02);
  EXPECT_EQ(c.voltage.start_v, 2000.0);
  EXPECT_EQ(c.voltage.min_v, 800.0);
  EXPECT_EQ(c.voltage.max_v, 9000.0);
  EXPECT_EQ(c.voltage.max_step_v, 20.0);
  EXPECT_EQ(c.voltage.gain, 0.4);
  EXPECT_EQ(c.voltage.integral_gain, 0.05);
  EXPECT_EQ(c.ranges_file, "out.rrng");
  EXPECT_EQ(c.record_file, "out.epos");
}

TEST(AptConfig, ErrorsNameTheKey) {
  EXPECT_NE(error_of("[specimen]\ntip_radius_nm = -1\n").find("specimen.tip_radius_nm"),
            std::string::npos);
  EXPECT_NE(error_of("[specimen]\nbase = \"Xx\"\n").find("specimen.base"), std::string::npos);
  EXPECT_NE(error_of("[specimen.matrix]\nCu = 60\nMg = 40\n").find("specimen.matrix"),
            std::string::npos);
  EXPECT_NE(error_of("[specimen.matrix]\nAl = 1\n").find("specimen.matrix.Al"), std::string::npos);
  EXPECT_NE(error_of("[specimen.matrix]\nCu = 101\n").find("specimen.matrix.Cu"),
            std::string::npos);
  // Not an element: an unknown key.
  const std::string misspelt = error_of("[specimen.matrix]\ncu = 1\n");
  EXPECT_NE(misspelt.find("specimen.matrix.cu"), std::string::npos) << misspelt;
  EXPECT_NE(error_of("[specimen.clusters]\nnumber_density_per_nm3 = 1\n")
                .find("specimen.clusters.number_density_per_nm3"),
            std::string::npos);
  EXPECT_NE(error_of("[specimen.clusters.composition]\nCu = 70\nMg = 30\n")
                .find("specimen.clusters.composition"),
            std::string::npos);
  EXPECT_NE(error_of("[detector]\nefficiency = 1.2\n").find("detector.efficiency"),
            std::string::npos);
  EXPECT_NE(error_of("[detector]\nimage_compression = 3\nradius_mm = 100\n")
                .find("detector.image_compression"),
            std::string::npos);
  EXPECT_NE(error_of("[evaporation.doubly_charged]\nCu = 2\n").find("doubly_charged.Cu"),
            std::string::npos);
  EXPECT_NE(error_of("[pulsing]\nrate_hz = 5e6\n").find("pulsing.rate_hz"), std::string::npos);
  EXPECT_NE(
      error_of("[pulsing]\nmin_rate_hz = 5e5\nmax_rate_hz = 1e5\n").find("pulsing.min_rate_hz"),
      std::string::npos);
  EXPECT_NE(error_of("[pulsing]\npulses_per_chunk = 0\n").find("pulsing.pulses_per_chunk"),
            std::string::npos);
  EXPECT_NE(error_of("[control]\ndetection_rate = 0.5\n").find("control.detection_rate"),
            std::string::npos);
  EXPECT_NE(error_of("[control]\nstart_voltage_v = 20000\n").find("control.start_voltage_v"),
            std::string::npos);
  EXPECT_NE(error_of("[control]\nintegral_gain = 0.3\n").find("control.integral_gain"),
            std::string::npos);
  EXPECT_NE(error_of("[files]\nreplay = \"/no/such/file.epos\"\n").find("files.replay"),
            std::string::npos);
  EXPECT_NE(error_of("[timing]\nrealtime = 3\n").find("timing.realtime"), std::string::npos);
  EXPECT_NE(error_of("[detector]\nflight_lenght_mm = 90\n").find("detector.flight_lenght_mm"),
            std::string::npos);
  EXPECT_NE(error_of("[instrument]\nname = \"\"\n").find("instrument.name"), std::string::npos);
}

TEST(AptConfig, ANeedleTooWideForMemoryIsRefused) {
  const std::string error =
      error_of("[specimen]\ntip_radius_nm = 50\nshank_half_angle_deg = 15\nlength_nm = 1000\n");
  EXPECT_NE(error.find("specimen.length_nm"), std::string::npos) << error;
  EXPECT_NE(error.find("at most 2e8"), std::string::npos) << error;
  EXPECT_NO_THROW(parse("[specimen]\ntip_radius_nm = 80\nshank_half_angle_deg = 0\n"));
}

TEST(AptConfig, FilesAreReadFromTheConfigFilesFolder) {
  const AptConfig config = apt_config_from(ConfigTable::parse(
      "[files]\nrecord = \"out.epos\"\nranges = \"/abs/al.rrng\"\n", "/some/where/sim-apt.toml"));
  EXPECT_EQ(config.record_file, std::filesystem::path("/some/where/out.epos"));
  EXPECT_EQ(config.ranges_file, std::filesystem::path("/abs/al.rrng"));
}

TEST(AptConfig, RecordAndReplayExcludeEachOther) {
  const testing::TempDir dir;
  { std::ofstream(dir / "in.epos", std::ios::binary); }
  const std::string text = "[files]\nreplay = \"" + (dir / "in.epos").string() + "\"\nrecord = \"" +
                           (dir / "out.epos").string() + "\"\n";
  EXPECT_NE(error_of(text).find("files.record"), std::string::npos);
}

TEST(AptConfig, TooManyClustersIsAConfigError) {
  const std::string error = error_of(
      "[specimen]\nlength_nm = 10000\ntip_radius_nm = 100\nshank_half_angle_deg = 0\n"
      "[specimen.clusters]\n"
      "number_density_per_nm3 = 0.05\nradius_nm = 0.5\nradius_sigma_nm = 0\n");
  EXPECT_NE(error.find("specimen"), std::string::npos) << error;
  EXPECT_NE(error.find("clusters"), std::string::npos) << error;
}

TEST(AptConfig, LoadAppliesCommandLineOverrides) {
  SimOverrides overrides;
  overrides.seed = 42;
  overrides.name = "apt-cli";
  overrides.data_endpoint = "ipc:///tmp/apt-data";
  const AptConfig config = load_apt_config(kExample, overrides);
  EXPECT_EQ(config.common.seed, 42U);
  EXPECT_EQ(config.common.name, "apt-cli");
  EXPECT_EQ(config.common.data_endpoint, "ipc:///tmp/apt-data");
  SimOverrides bad;
  bad.commands_endpoint = "nowhere";
  EXPECT_THROW(load_apt_config(kExample, bad), ConfigError);
}

TEST(AptConfig, TheExampleFileMakesAWorkingDevice) {
  // What `edgeloop-sim apt --config config/sim-apt.toml --truth FILE` does before it connects.
  const testing::TempDir dir;
  AptDevice device(load_apt_config(kExample));
  device.write_truth(dir / "truth.h5");
  const auto truth = h5::File::open_read_only(dir / "truth.h5");
  EXPECT_EQ(truth.string_attribute("/", "instrument"), "sim-apt");
  EXPECT_EQ(device.period(), std::chrono::milliseconds(50));
  EXPECT_FALSE(device.has_data());
  ASSERT_EQ(device.execute("pause", std::vector<double>{0}, 1).status, wire::AckStatus::Done);
  const DataMessage message = device.produce(MessageContext{});
  ASSERT_EQ(message.parts.size(), 1U);
  EXPECT_GT(message.parts[0].size(), 0U);
}

}  // namespace
}  // namespace edgeloop::sims
