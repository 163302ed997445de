#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "apt_test_support.hpp"
#include "edgeloop/formats/apt_file_error.hpp"
#include "edgeloop/formats/apt_time_of_flight.hpp"
#include "edgeloop/formats/epos_file.hpp"
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

}  // namespace
}  // namespace edgeloop::sims
