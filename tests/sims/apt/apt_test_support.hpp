// Helpers shared by the APT simulator tests: a small, fast configuration and decoding of the
// EventChunks the device produces.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <span>
#include <variant>
#include <vector>

#include "edgeloop/core/wire.hpp"
#include "edgeloop/sims/apt_config.hpp"
#include "edgeloop/sims/apt_device.hpp"
#include "sim_test_helpers.hpp"

namespace edgeloop::sims::test {

// A short, thin needle (about 0.4 million atoms in view) that evaporates in a fraction of a
// second, at a voltage near its evaporation voltage so the controller settles within a few
// chunks. Not paced.
inline AptConfig fast_apt_config(std::uint64_t seed = 7) {
  AptConfig config;
  config.common.name = "sim-apt-test";
  config.common.seed = seed;
  config.specimen.tip_radius_nm = 20.0;
  config.specimen.length_nm = 20.0;
  config.pulses_per_chunk = 20000;
  config.detection_rate = 0.02;
  config.max_detection_rate = 0.2;
  config.voltage.start_v = 1200.0;
  config.realtime = false;
  return config;
}

// One decoded chunk, copied out of the message.
struct Chunk {
  std::uint64_t sequence = 0;
  std::uint64_t command_seq = 0;
  std::uint64_t first_pulse = 0;
  std::uint64_t pulses = 0;
  double voltage_v = 0.0;
  std::vector<wire::Event> events;
};

inline Chunk decode_chunk(const DataMessage& message) {
  Chunk chunk;
  EXPECT_EQ(message.parts.size(), 1U);
  if (message.parts.empty()) return chunk;
  AlignedScratch scratch;
  const auto decoded = decode<wire::EventChunk>(bytes_of(message.parts[0]), scratch);
  if (!std::holds_alternative<const wire::EventChunk*>(decoded)) {
    ADD_FAILURE() << std::get<WireError>(decoded).detail;
    return chunk;
  }
  const wire::EventChunk* c = std::get<const wire::EventChunk*>(decoded);
  EXPECT_EQ(c->modality(), wire::Modality::Apt);
  EXPECT_EQ(c->stream()->str(), "apt/events");
  chunk.sequence = c->sequence();
  chunk.command_seq = c->command_seq();
  chunk.first_pulse = c->first_pulse();
  chunk.pulses = c->pulses();
  chunk.voltage_v = c->voltage_v();
  if (c->events() != nullptr) {
    for (flatbuffers::uoffset_t i = 0; i < c->events()->size(); ++i) {
      chunk.events.push_back(*c->events()->Get(i));
    }
  }
  return chunk;
}

inline MessageContext context_for(std::uint64_t sequence) {
  MessageContext context;
  context.run = Uuid::from_halves(1, 2);
  context.sequence = sequence;
  context.wall_ns = 1'000'000'000 + static_cast<std::int64_t>(sequence);
  context.mono_ns = 5'000 + static_cast<std::int64_t>(sequence);
  return context;
}

inline void start(AptDevice& device) {
  const std::vector<double> run{0.0};
  ASSERT_EQ(device.execute("pause", run, 1).status, wire::AckStatus::Done);
}

inline bool same_event(const wire::Event& a, const wire::Event& b) {
  return a.pulse() == b.pulse() && a.x() == b.x() && a.y() == b.y() && a.tof_ns() == b.tof_ns() &&
         a.weight() == b.weight();
}

}  // namespace edgeloop::sims::test
