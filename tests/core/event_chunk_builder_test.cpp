#include <gtest/gtest.h>

#include <cstring>
#include <span>
#include <variant>

#include "edgeloop/core/wire.hpp"
#include "edgeloop/core/wire_builders.hpp"

namespace edgeloop {
namespace {

std::span<const std::byte> bytes_of(const flatbuffers::DetachedBuffer& buffer) {
  return {reinterpret_cast<const std::byte*>(buffer.data()), buffer.size()};
}

EventChunkFields sample_fields() {
  EventChunkFields f;
  f.run_id = Uuid::from_halves(0x0123456789abcdefULL, 0xfedcba9876543210ULL);
  f.stream = "apt/events";
  f.modality = wire::Modality::Apt;
  f.sequence = 7;
  f.scan_index = -1;
  f.command_seq = 42;
  f.acquired_wall_ns = 1'700'000'000'000'000'000;
  f.acquired_mono_ns = 123'456'789;
  f.first_pulse = 70'000;
  f.pulses = 10'000;
  f.voltage_v = 4321.5;
  f.events = {wire::Event(70'003, 1.5F, -2.25F, 812.5F, 1.0F),
              wire::Event(70'003, -10.0F, 3.0F, 1290.0F, 2.0F),
              wire::Event(79'999, 0.0F, 0.0F, 4999.0F, 1.0F)};
  return f;
}

TEST(EventChunkBuilder, RoundTripsEveryField) {
  const EventChunkFields f = sample_fields();
  const auto buffer = build_event_chunk(f);
  const auto decoded = decode<wire::EventChunk>(bytes_of(buffer));
  ASSERT_TRUE(std::holds_alternative<const wire::EventChunk*>(decoded))
      << std::get<WireError>(decoded).detail;
  const wire::EventChunk* chunk = std::get<const wire::EventChunk*>(decoded);
  EXPECT_EQ(chunk->schema_version(), kSchemaVersion);
  EXPECT_EQ(from_wire(chunk->run_id()), f.run_id);
  ASSERT_NE(chunk->stream(), nullptr);
  EXPECT_EQ(chunk->stream()->str(), "apt/events");
  EXPECT_EQ(chunk->modality(), wire::Modality::Apt);
  EXPECT_EQ(chunk->sequence(), 7U);
  EXPECT_EQ(chunk->scan_index(), -1);
  EXPECT_EQ(chunk->command_seq(), 42U);
  EXPECT_EQ(chunk->acquired_wall_ns(), 1'700'000'000'000'000'000U);
  EXPECT_EQ(chunk->acquired_mono_ns(), 123'456'789U);
  EXPECT_EQ(chunk->first_pulse(), 70'000U);
  EXPECT_EQ(chunk->pulses(), 10'000U);
  EXPECT_EQ(chunk->voltage_v(), 4321.5);
  ASSERT_NE(chunk->events(), nullptr);
  ASSERT_EQ(chunk->events()->size(), f.events.size());
  for (flatbuffers::uoffset_t i = 0; i < chunk->events()->size(); ++i) {
    const wire::Event* e = chunk->events()->Get(i);
    const wire::Event& want = f.events[i];
    EXPECT_EQ(e->pulse(), want.pulse());
    EXPECT_EQ(e->x(), want.x());
    EXPECT_EQ(e->y(), want.y());
    EXPECT_EQ(e->tof_ns(), want.tof_ns());
    EXPECT_EQ(e->weight(), want.weight());
  }
}

TEST(EventChunkBuilder, CarriesTheEventChunkIdentifier) {
  const auto buffer = build_event_chunk(sample_fields());
  EXPECT_TRUE(flatbuffers::BufferHasIdentifier(buffer.data(), wire::EventChunkIdentifier()));
  // Another decoder refuses it by its identifier, before reading any field.
  const auto as_frame = decode<wire::FrameHeader>(bytes_of(buffer));
  ASSERT_TRUE(std::holds_alternative<WireError>(as_frame));
  EXPECT_EQ(std::get<WireError>(as_frame).reason, "bad_identifier");
}

TEST(EventChunkBuilder, AnEmptyChunkStillHasAnEventVector) {
  EventChunkFields f = sample_fields();
  f.events.clear();
  const auto buffer = build_event_chunk(f);
  const auto decoded = decode<wire::EventChunk>(bytes_of(buffer));
  ASSERT_TRUE(std::holds_alternative<const wire::EventChunk*>(decoded));
  const wire::EventChunk* chunk = std::get<const wire::EventChunk*>(decoded);
  ASSERT_NE(chunk->events(), nullptr);
  EXPECT_EQ(chunk->events()->size(), 0U);
  EXPECT_EQ(chunk->pulses(), 10'000U);
}

TEST(EventChunkBuilder, NegativeTimesAreClampedToZero) {
  EventChunkFields f = sample_fields();
  f.acquired_wall_ns = -5;
  f.acquired_mono_ns = -1;
  const auto buffer = build_event_chunk(f);
  const auto* chunk = std::get<const wire::EventChunk*>(decode<wire::EventChunk>(bytes_of(buffer)));
  EXPECT_EQ(chunk->acquired_wall_ns(), 0U);
  EXPECT_EQ(chunk->acquired_mono_ns(), 0U);
}

TEST(EventChunkBuilder, SameFieldsGiveTheSameBytes) {
  const auto a = build_event_chunk(sample_fields());
  const auto b = build_event_chunk(sample_fields());
  ASSERT_EQ(a.size(), b.size());
  EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size()), 0);
}

}  // namespace
}  // namespace edgeloop
