#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <string>

#include "apt_test_support.hpp"
#include "edgeloop/formats/apt_file_error.hpp"
#include "edgeloop/formats/apt_time_of_flight.hpp"
#include "edgeloop/formats/epos_file.hpp"
#include "edgeloop/formats/pos_file.hpp"
#include "edgeloop/sims/apt_device.hpp"
#include "edgeloop/testing/temp_dir.hpp"

namespace edgeloop::sims {
namespace {

using test::context_for;
using test::decode_chunk;

struct Recording {
  std::vector<test::Chunk> chunks;
  std::vector<wire::Event> events;
};

Recording run(AptDevice& device, std::uint64_t max_chunks) {
  Recording r;
  test::start(device);
  for (std::uint64_t n = 0; n < max_chunks && device.has_data(); ++n) {
    r.chunks.push_back(decode_chunk(device.produce(context_for(n))));
    r.events.insert(r.events.end(), r.chunks.back().events.begin(), r.chunks.back().events.end());
  }
  return r;
}

TEST(AptRecordReplay, ReplayGivesTheRecordedEvents) {
  const testing::TempDir dir;
  AptConfig config = test::fast_apt_config(17);
  config.record_file = dir / "run.epos";
  Recording recorded;
  {
    AptDevice device(config);
    recorded = run(device, 12);
    device.close_record();
  }
  ASSERT_GT(recorded.events.size(), 1000U);

  // The file holds every event, multiple hits marked as the format wants.
  const auto records = formats::read_epos(dir / "run.epos");
  ASSERT_EQ(records.size(), recorded.events.size());
  std::uint64_t pulse = 0;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const formats::EposRecord& r = records[i];
    const wire::Event& e = recorded.events[i];
    pulse += r.delta_pulse;
    EXPECT_EQ(pulse, e.pulse()) << i;
    EXPECT_EQ(r.multiplicity > 0, e.weight() == 1.0F) << i;
    EXPECT_EQ(r.det_x, e.x());
    EXPECT_EQ(r.tof_ns, e.tof_ns());
    // m/n is what the time of flight, voltage and flight path give.
    const double path = formats::flight_path_mm(config.detector.flight_length_mm, r.det_x, r.det_y);
    EXPECT_NEAR(r.mass_to_charge, formats::mass_to_charge(r.tof_ns, r.v_dc, path, 0.0),
                1e-4 * static_cast<double>(r.mass_to_charge) + 1e-4);
  }

  AptConfig replay_config = test::fast_apt_config(99);  // the seed plays no part in a replay
  replay_config.record_file.clear();
  replay_config.replay_file = dir / "run.epos";
  AptDevice replay(replay_config);
  EXPECT_TRUE(replay.replaying());
  const Recording replayed = run(replay, 1000);
  EXPECT_TRUE(replay.exhausted());
  EXPECT_FALSE(replay.has_data());
  ASSERT_EQ(replayed.events.size(), recorded.events.size());
  for (std::size_t i = 0; i < recorded.events.size(); ++i) {
    ASSERT_TRUE(test::same_event(replayed.events[i], recorded.events[i])) << "event " << i;
  }
  // Chunk by chunk too, voltages included (to the float precision of V_dc).
  ASSERT_LE(replayed.chunks.size(), recorded.chunks.size());
  for (std::size_t c = 0; c < replayed.chunks.size(); ++c) {
    EXPECT_EQ(replayed.chunks[c].first_pulse, recorded.chunks[c].first_pulse);
    EXPECT_EQ(replayed.chunks[c].events.size(), recorded.chunks[c].events.size());
    if (!recorded.chunks[c].events.empty()) {
      EXPECT_NEAR(replayed.chunks[c].voltage_v, recorded.chunks[c].voltage_v, 1e-3);
    }
  }
}

TEST(AptRecordReplay, ReplayRespectsPause) {
  const testing::TempDir dir;
  AptConfig config = test::fast_apt_config(3);
  config.record_file = dir / "run.epos";
  {
    AptDevice device(config);
    run(device, 3);
  }  // the destructor flushes the recording
  config.record_file.clear();
  config.replay_file = dir / "run.epos";
  AptDevice replay(config);
  EXPECT_FALSE(replay.has_data());  // paused at start, like the simulation
  test::start(replay);
  EXPECT_TRUE(replay.has_data());
  replay.produce(context_for(0));
  ASSERT_EQ(replay.execute("pause", std::vector<double>{1}, 2).status, wire::AckStatus::Done);
  EXPECT_FALSE(replay.has_data());
}

TEST(AptRecordReplay, ABrokenReplayFileIsNamed) {
  const testing::TempDir dir;
  {
    std::ofstream out(dir / "bad.epos", std::ios::binary);
    out << std::string(50, 'x');
  }
  AptConfig config = test::fast_apt_config();
  config.replay_file = dir / "bad.epos";
  try {
    AptDevice device(config);
    FAIL() << "expected an AptFileError";
  } catch (const formats::AptFileError& error) {
    EXPECT_NE(std::string(error.what()).find("bad.epos"), std::string::npos);
  }
}

TEST(AptRecordReplay, PosFilesAreRecognisedByTheirExtension) {
  EXPECT_TRUE(is_pos_file("run.pos"));
  EXPECT_TRUE(is_pos_file("/a/b/RUN.PoS"));
  EXPECT_FALSE(is_pos_file("run.epos"));
  EXPECT_FALSE(is_pos_file("pos"));
  EXPECT_FALSE(is_pos_file("run.pos.bak"));
}

TEST(AptRecordReplay, PosRecordingReplaysWithItsMassToCharge) {
  const testing::TempDir dir;
  AptConfig config = test::fast_apt_config(17);
  config.record_file = dir / "run.POS";  // the extension is matched in any case
  Recording recorded;
  {
    AptDevice device(config);
    recorded = run(device, 12);
    device.close_record();
  }
  ASSERT_GT(recorded.events.size(), 1000U);

  // Every event as a .pos record, m/n from its time of flight as in an .epos recording.
  const AptDetectorSettings& d = config.detector;
  const auto records = formats::read_pos(dir / "run.POS");
  ASSERT_EQ(records.size(), recorded.events.size());
  std::size_t i = 0;
  for (const test::Chunk& chunk : recorded.chunks) {
    for (const wire::Event& e : chunk.events) {
      const double path = formats::flight_path_mm(d.flight_length_mm, e.x(), e.y());
      const auto expected =
          static_cast<float>(formats::mass_to_charge(e.tof_ns(), chunk.voltage_v, path, d.t0_ns));
      EXPECT_EQ(records[i].mass_to_charge, expected) << i;
      ++i;
    }
  }

  AptConfig replay_config = test::fast_apt_config(99);
  replay_config.record_file.clear();
  replay_config.replay_file = dir / "run.POS";
  AptDevice replay(replay_config);
  EXPECT_TRUE(replay.replaying());
  const Recording replayed = run(replay, 100000);
  EXPECT_TRUE(replay.exhausted());
  ASSERT_EQ(replayed.events.size(), records.size());

  // One ion per pulse window at the configured detection rate, in file order, and the m/n of
  // the synthesised time of flight is the recorded one.
  i = 0;
  for (const test::Chunk& chunk : replayed.chunks) {
    EXPECT_GT(chunk.voltage_v, 0.0);
    for (const wire::Event& e : chunk.events) {
      EXPECT_EQ(e.pulse(), static_cast<std::uint64_t>(
                               std::llround(static_cast<double>(i) / replay_config.detection_rate)))
          << i;
      EXPECT_EQ(e.weight(), 1.0F) << i;  // one ion per pulse below one ion per pulse
      EXPECT_TRUE(replay.detector().on_detector(e.x(), e.y())) << i;
      const double path = formats::flight_path_mm(d.flight_length_mm, e.x(), e.y());
      const double m = formats::mass_to_charge(e.tof_ns(), chunk.voltage_v, path, d.t0_ns);
      const auto recorded_m = static_cast<double>(records[i].mass_to_charge);
      EXPECT_NEAR(m, recorded_m, 1e-6 * recorded_m + 1e-6) << i;
      ++i;
    }
  }
  EXPECT_EQ(i, records.size());
}

TEST(AptRecordReplay, PosReplaySharesPulsesAboveOneIonPerPulse) {
  const testing::TempDir dir;
  const std::vector<formats::PosRecord> records{
      {0.0F, 0.0F, 1.0F, 27.0F}, {1.0F, 2.0F, 1.5F, 13.5F}, {-3.0F, 1.0F, 2.0F, 28.0F}};
  formats::write_pos(dir / "three.pos", records);
  AptConfig config = test::fast_apt_config();
  config.max_detection_rate = 5.0;
  config.detection_rate = 2.0;
  config.replay_file = dir / "three.pos";
  AptDevice replay(config);
  const Recording replayed = run(replay, 10);
  ASSERT_EQ(replayed.events.size(), 3U);
  // Ions 0, 1, 2 on pulses round(0), round(0.5), round(1): 0, 1 (half away from zero), 1.
  EXPECT_EQ(replayed.events[0].pulse(), 0U);
  EXPECT_EQ(replayed.events[1].pulse(), 1U);
  EXPECT_EQ(replayed.events[2].pulse(), 1U);
  EXPECT_EQ(replayed.events[1].weight(), 1.0F);
  EXPECT_EQ(replayed.events[2].weight(), 2.0F);
  // An ion on the axis lands at the detector's centre.
  EXPECT_EQ(replayed.events[0].x(), 0.0F);
  EXPECT_EQ(replayed.events[0].y(), 0.0F);
}

TEST(AptRecordReplay, AMalformedPosFileIsNamed) {
  const testing::TempDir dir;
  {
    std::ofstream out(dir / "bad.pos", std::ios::binary);
    out << std::string(20, 'x');
  }
  AptConfig config = test::fast_apt_config();
  config.replay_file = dir / "bad.pos";
  try {
    AptDevice device(config);
    FAIL() << "expected an AptFileError";
  } catch (const formats::AptFileError& error) {
    const std::string what = error.what();
    EXPECT_NE(what.find("bad.pos"), std::string::npos) << what;
    EXPECT_NE(what.find("16-byte"), std::string::npos) << what;
  }
}

}  // namespace
}  // namespace edgeloop::sims
