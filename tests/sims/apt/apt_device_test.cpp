#include "edgeloop/sims/apt_device.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>

#include "apt_test_support.hpp"
#include "edgeloop/formats/h5_file.hpp"
#include "edgeloop/formats/rrng_file.hpp"
#include "edgeloop/testing/temp_dir.hpp"

namespace edgeloop::sims {
namespace {

using test::context_for;
using test::decode_chunk;
using test::fast_apt_config;

std::vector<std::byte> bytes(const DataMessage& m) {
  const auto* p = m.parts.at(0).data<std::byte>();
  return {p, p + m.parts.at(0).size()};
}

TEST(AptDevice, StartsPausedAndResumesOnCommand) {
  AptDevice device(fast_apt_config());
  EXPECT_EQ(device.modality(), wire::Modality::Apt);
  EXPECT_EQ(device.stream(), "apt/events");
  EXPECT_TRUE(device.paused());
  EXPECT_FALSE(device.has_data());
  EXPECT_FALSE(device.data_owed());
  const std::vector<double> run{0.0};
  const CommandOutcome outcome = device.execute("pause", run, 3);
  EXPECT_EQ(outcome.status, wire::AckStatus::Done);
  EXPECT_EQ(outcome.readback, std::vector<double>{0.0});
  EXPECT_TRUE(device.has_data());
  EXPECT_FALSE(device.data_owed()) << "free-running data is never owed";
}

TEST(AptDevice, PauseStopsTheData) {
  AptDevice device(fast_apt_config());
  test::start(device);
  const test::Chunk first = decode_chunk(device.produce(context_for(0)));
  EXPECT_EQ(first.first_pulse, 0U);
  EXPECT_EQ(first.pulses, 20000U);
  const std::vector<double> pause{1.0};
  EXPECT_EQ(device.execute("pause", pause, 4).status, wire::AckStatus::Done);
  EXPECT_FALSE(device.has_data());
  // Pulsing stops while paused: the next chunk continues where the last one ended.
  test::start(device);
  const test::Chunk second = decode_chunk(device.produce(context_for(1)));
  EXPECT_EQ(second.first_pulse, 20000U);
  EXPECT_EQ(second.command_seq, 1U);
}

TEST(AptDevice, ChunksCarryHitsInPulseOrderWithRanks) {
  AptDevice device(fast_apt_config());
  test::start(device);
  std::size_t events = 0;
  for (std::uint64_t n = 0; n < 5; ++n) {
    const test::Chunk chunk = decode_chunk(device.produce(context_for(n)));
    EXPECT_EQ(chunk.sequence, n);
    EXPECT_EQ(chunk.first_pulse, n * 20000);
    EXPECT_GT(chunk.voltage_v, 500.0);
    std::uint64_t last_pulse = chunk.first_pulse;
    float last_tof = -1.0F;
    float expected_rank = 1.0F;
    for (const wire::Event& e : chunk.events) {
      EXPECT_GE(e.pulse(), chunk.first_pulse);
      EXPECT_LT(e.pulse(), chunk.first_pulse + chunk.pulses);
      EXPECT_LE(std::hypot(e.x(), e.y()), 38.0F + 1e-3F);
      EXPECT_GE(e.tof_ns(), 0.0F);
      EXPECT_LT(e.tof_ns(), 5000.0F);
      if (e.pulse() != last_pulse) {
        EXPECT_GT(e.pulse(), last_pulse);
        expected_rank = 1.0F;
      } else if (last_tof >= 0.0F) {
        EXPECT_GE(e.tof_ns(), last_tof);
      }
      EXPECT_EQ(e.weight(), expected_rank) << "pulse " << e.pulse();
      expected_rank += 1.0F;
      last_pulse = e.pulse();
      last_tof = e.tof_ns();
    }
    events += chunk.events.size();
  }
  EXPECT_GT(events, 100U);
}

TEST(AptDevice, SameSeedGivesByteIdenticalChunksAndAnotherSeedDiffers) {
  AptDevice a(fast_apt_config(11));
  AptDevice b(fast_apt_config(11));
  AptDevice c(fast_apt_config(12));
  test::start(a);
  test::start(b);
  test::start(c);
  bool differs = false;
  for (std::uint64_t n = 0; n < 6; ++n) {
    const auto ma = bytes(a.produce(context_for(n)));
    const auto mb = bytes(b.produce(context_for(n)));
    const auto mc = bytes(c.produce(context_for(n)));
    ASSERT_EQ(ma, mb) << "chunk " << n;
    differs = differs || ma != mc;
  }
  EXPECT_TRUE(differs);
}

TEST(AptDevice, CommandsAreValidatedAgainstTheLimits) {
  AptConfig config = fast_apt_config();
  config.min_pulse_rate_hz = 1000;
  config.max_pulse_rate_hz = 500000;
  AptDevice device(config);
  const auto reason = [&](std::string_view actuator, std::vector<double> target) {
    const CommandOutcome o = device.execute(actuator, target, 9);
    EXPECT_EQ(o.status, wire::AckStatus::Rejected) << actuator;
    return o.reason;
  };
  const std::string too_fast = reason("pulse_rate", {2e6});
  EXPECT_NE(too_fast.find("pulse_rate"), std::string::npos) << too_fast;
  EXPECT_NE(too_fast.find("2000000"), std::string::npos) << too_fast;
  EXPECT_NE(too_fast.find("500000"), std::string::npos) << too_fast;
  EXPECT_NE(reason("pulse_rate", {10}).find("1000..500000 Hz"), std::string::npos);
  EXPECT_NE(reason("pulse_rate", {std::numeric_limits<double>::quiet_NaN()}).find("not a finite"),
            std::string::npos);
  EXPECT_NE(reason("pulse_rate", {}).find("takes one value, got 0"), std::string::npos);
  EXPECT_NE(reason("pulse_rate", {1e5, 2e5}).find("got 2"), std::string::npos);
  EXPECT_NE(reason("detection_rate", {0.0}).find("detection_rate 0 "), std::string::npos);
  EXPECT_NE(reason("detection_rate", {-1.0}).find("limits"), std::string::npos);
  EXPECT_NE(reason("detection_rate", {0.5}).find("0.2"), std::string::npos);
  EXPECT_NE(reason("pause", {0.5}).find("pause 0.5"), std::string::npos);
  EXPECT_NE(reason("pause", {std::numeric_limits<double>::infinity()}).find("pause inf"),
            std::string::npos);
  EXPECT_NE(reason("voltage", {3000}).find("unknown actuator 'voltage'"), std::string::npos);
  EXPECT_NE(reason("", {1}).find("unknown actuator"), std::string::npos);

  // A rejected command leaves the value as it was and reports it.
  const CommandOutcome rejected = device.execute("pulse_rate", std::vector<double>{2e6}, 10);
  EXPECT_EQ(rejected.readback, std::vector<double>{200e3});
  EXPECT_TRUE(device.paused());

  const CommandOutcome ok = device.execute("pulse_rate", std::vector<double>{250e3}, 11);
  EXPECT_EQ(ok.status, wire::AckStatus::Done);
  EXPECT_EQ(ok.readback, std::vector<double>{250e3});
  EXPECT_EQ(device.pulse_rate_hz(), 250e3);
  EXPECT_EQ(device.execute("detection_rate", std::vector<double>{0.01}, 12).status,
            wire::AckStatus::Done);
  EXPECT_EQ(device.detection_rate(), 0.01);
}

TEST(AptDevice, ReadbacksAndPeriod) {
  AptConfig config = fast_apt_config();
  config.realtime = true;
  AptDevice device(config);
  const auto readbacks = device.readbacks();
  ASSERT_EQ(readbacks.size(), 4U);
  EXPECT_EQ(readbacks[0].first, "pulse_rate");
  EXPECT_EQ(readbacks[0].second, std::vector<double>{200e3});
  EXPECT_EQ(readbacks[1].first, "detection_rate");
  EXPECT_EQ(readbacks[2].first, "pause");
  EXPECT_EQ(readbacks[2].second, std::vector<double>{1.0});
  EXPECT_EQ(readbacks[3].first, "voltage");
  EXPECT_EQ(readbacks[3].second, std::vector<double>{1200.0});
  // 20000 pulses at 200 kHz.
  EXPECT_EQ(device.period(), std::chrono::milliseconds(100));
  ASSERT_EQ(device.execute("pulse_rate", std::vector<double>{400e3}, 1).status,
            wire::AckStatus::Done);
  EXPECT_EQ(device.period(), std::chrono::milliseconds(50));

  AptDevice fast(fast_apt_config());
  EXPECT_EQ(fast.period(), std::chrono::nanoseconds(0));
}

TEST(AptDevice, StopsWhenTheSpecimenIsUsedUp) {
  AptConfig config = fast_apt_config();
  config.specimen.length_nm = 5.0;
  config.pulses_per_chunk = 200000;
  config.detection_rate = 0.2;
  AptDevice device(config);
  test::start(device);
  std::uint64_t n = 0;
  while (device.has_data() && n < 1000) device.produce(context_for(n++));
  EXPECT_TRUE(device.exhausted());
  EXPECT_FALSE(device.has_data());
  EXPECT_LT(n, 1000U);
  std::uint64_t evaporated = 0;
  for (const auto count : device.evaporation().evaporated_per_element()) evaporated += count;
  EXPECT_GT(evaporated, 10000U);
}

TEST(AptDevice, WritesTheMatchingRangeFile) {
  const testing::TempDir dir;
  AptConfig config = fast_apt_config();
  config.ranges_file = dir / "alloy.rrng";
  AptDevice device(config);
  const formats::RangeTable table = formats::read_rrng(dir / "alloy.rrng");
  EXPECT_EQ(table.ions(), (std::vector<std::string>{"Al", "Mg", "Cu"}));
  ASSERT_NE(table.find(26.98), nullptr);
  EXPECT_EQ(table.find(26.98)->ion_name(), "Al");
  EXPECT_EQ(table.find(13.49)->ion_name(), "Al");
  EXPECT_EQ(table.find(62.93)->ion_name(), "Cu");
  EXPECT_EQ(table.find(32.46)->ion_name(), "Cu");
  EXPECT_EQ(table.find(24.99)->ion_name(), "Mg");
  EXPECT_EQ(table.find(12.99)->ion_name(), "Mg");
  EXPECT_EQ(table.find(45.0), nullptr);
  device.write_ranges(dir / "again.rrng");
  EXPECT_EQ(formats::read_rrng(dir / "again.rrng").ranges().size(), table.ranges().size());
}

TEST(AptDevice, WritesTheGroundTruth) {
  const testing::TempDir dir;
  AptDevice device(fast_apt_config());
  device.write_truth(dir / "truth.h5");
  const auto file = h5::File::open_read_only(dir / "truth.h5");
  EXPECT_EQ(file.string_attribute("/", "instrument"), "sim-apt-test");
  EXPECT_EQ(file.string_attribute("/", "modality"), "apt");
  EXPECT_EQ(file.string_attribute("/", "mode"), "simulate");
  EXPECT_EQ(file.int_attribute("/", "seed"), 7);
  EXPECT_EQ(file.double_attribute("/specimen", "tip_radius_nm"), 20.0);
  EXPECT_EQ(file.read_strings("/composition/elements"),
            (std::vector<std::string>{"Al", "Mg", "Cu"}));
  const auto overall = file.read<double>("/composition/overall");
  ASSERT_EQ(overall.size(), 3U);
  EXPECT_NEAR(overall[0] + overall[1] + overall[2], 1.0, 1e-12);
  EXPECT_EQ(file.read<double>("/composition/matrix")[2], 0.014);
  EXPECT_EQ(file.read<double>("/composition/clusters")[1], 0.10);
  const auto clusters = device.specimen().clusters();
  EXPECT_EQ(file.int_attribute("/precipitates", "count"),
            static_cast<std::int64_t>(clusters.size()));
  EXPECT_EQ(file.shape("/precipitates/centre_nm"), (std::vector<std::size_t>{clusters.size(), 3}));
  EXPECT_EQ(file.shape("/precipitates/composition"),
            (std::vector<std::size_t>{clusters.size(), 3}));
  if (!clusters.empty()) {
    EXPECT_EQ(file.read<double>("/precipitates/radius_nm")[0], clusters[0].radius);
  }
  const auto elements = file.read_strings("/isotopes/element");
  const auto mass_numbers = file.read<std::uint32_t>("/isotopes/mass_number");
  ASSERT_EQ(elements.size(), 1U + 3U + 2U);
  EXPECT_EQ(elements[1], "Mg");
  EXPECT_EQ(mass_numbers[1], 24U);
  EXPECT_EQ(elements[4], "Cu");
  EXPECT_EQ(mass_numbers[5], 65U);
  EXPECT_EQ(file.read<double>("/evaporation/doubly_charged")[2], 0.40);
  EXPECT_EQ(file.double_attribute("/detector", "flight_length_mm"), 100.0);
  const auto rrng = file.read_strings("/ranges/rrng");
  ASSERT_EQ(rrng.size(), 1U);
  EXPECT_EQ(formats::parse_rrng(rrng[0], "truth").ranges().size(), device.ranges().ranges().size());
}

TEST(AptDevice, TruthOfASpecimenWithoutClusters) {
  const testing::TempDir dir;
  AptConfig config = fast_apt_config();
  config.specimen.clusters.number_density_per_nm3 = 0.0;
  AptDevice device(config);
  EXPECT_TRUE(device.specimen().clusters().empty());
  device.write_truth(dir / "truth.h5");
  const auto file = h5::File::open_read_only(dir / "truth.h5");
  EXPECT_EQ(file.int_attribute("/precipitates", "count"), 0);
  EXPECT_EQ(file.read<double>("/composition/overall"), file.read<double>("/composition/matrix"));
}

TEST(AptDevice, RejectsBadSettings) {
  AptConfig config = fast_apt_config();
  config.pulse_rate_hz = 5e6;
  EXPECT_THROW(AptDevice{config}, std::invalid_argument);
  config = fast_apt_config();
  config.detection_rate = 0.0;
  EXPECT_THROW(AptDevice{config}, std::invalid_argument);
  config = fast_apt_config();
  config.detector.efficiency = 1.5;
  EXPECT_THROW(AptDevice{config}, std::invalid_argument);
  config = fast_apt_config();
  config.specimen.base = "Xx";
  EXPECT_THROW(AptDevice{config}, std::invalid_argument);
}

// How fast produce() runs, not a check: run with --gtest_also_run_disabled_tests. Unpaced, the
// default specimen and detector, after the voltage ramp, until the specimen is used up or 3 s.
TEST(AptDevice, DISABLED_ProduceRate) {
  for (const double rate : {0.005, 0.05}) {
    AptConfig config;
    config.realtime = false;
    config.voltage.start_v = 1800.0;
    config.detection_rate = rate;
    AptDevice device(config);
    test::start(device);
    for (std::uint64_t n = 0; n < 40; ++n) device.produce(context_for(n));
    std::uint64_t hits = 0;
    std::uint64_t chunks = 0;
    const auto start = std::chrono::steady_clock::now();
    double seconds = 0.0;
    while (device.has_data() && seconds < 3.0) {
      device.produce(context_for(chunks++));
      hits += device.last_hits().size();
      seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    std::printf("detection_rate %g, %llu pulses per chunk: %.3g hits/s, %.3g chunks/s\n", rate,
                static_cast<unsigned long long>(config.pulses_per_chunk),
                static_cast<double>(hits) / seconds, static_cast<double>(chunks) / seconds);
  }
}

}  // namespace
}  // namespace edgeloop::sims
