// Builders for the messages senders put on the wire (daemon, simulators, clients, tests), so
// every producer fills the schema version and identifiers the same way.
#pragma once

#include <flatbuffers/flatbuffers.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "edgeloop/core/wire.hpp"

namespace edgeloop {

struct FrameHeaderFields {
  Uuid run_id{};
  std::string stream{};
  wire::Modality modality = wire::Modality::Unknown;
  std::uint64_t sequence = 0;
  std::int64_t scan_index = -1;
  std::vector<double> scan_position{};
  std::uint64_t command_seq = 0;
  std::int64_t acquired_wall_ns = 0;
  std::int64_t acquired_mono_ns = 0;
  wire::DType dtype = wire::DType::Unknown;
  std::vector<std::uint32_t> shape{};
  wire::Codec codec = wire::Codec::Raw;
  std::uint64_t uncompressed_size = 0;
  double exposure_s = 0.0;
};
flatbuffers::DetachedBuffer build_frame_header(const FrameHeaderFields& f);

struct CommandFields {
  Uuid run_id{};
  std::uint64_t seq = 0;
  std::string actuator{};
  std::vector<double> target{};
  std::int64_t deadline_wall_ns = 0;
  std::int64_t issued_wall_ns = 0;
  std::uint32_t attempt = 1;
  std::string cause{};
};
flatbuffers::DetachedBuffer build_command(const CommandFields& f);

struct AckFields {
  Uuid run_id{};
  std::uint64_t seq = 0;
  wire::AckStatus status = wire::AckStatus::Unknown;
  std::string reason{};
  std::vector<double> readback{};
  std::int64_t completed_wall_ns = 0;
};
flatbuffers::DetachedBuffer build_ack(const AckFields& f);

struct InstrumentStatusFields {
  std::string instrument{};
  wire::Modality modality = wire::Modality::Unknown;
  wire::InstrumentState state = wire::InstrumentState::Unknown;
  bool interlock = false;
  std::vector<std::pair<std::string, std::vector<double>>> actuators{};
  std::uint64_t frames_sent = 0;
  std::string message{};
  std::int64_t wall_ns = 0;
};
flatbuffers::DetachedBuffer build_instrument_status(const InstrumentStatusFields& f);

struct ResultFields {
  Uuid run_id{};
  std::string stream{};
  std::string product{};
  std::uint64_t source_sequence = 0;
  std::int64_t scan_index = -1;
  std::vector<double> scan_position{};
  std::string stage{};
  std::string stage_version{};
  std::vector<double> values{};
  wire::DType dtype = wire::DType::Unknown;
  std::vector<std::uint32_t> shape{};
  std::vector<std::uint8_t> input_sha256{};
  std::int64_t produced_wall_ns = 0;
  std::vector<double> errors{};
  std::string units{};
  std::vector<std::uint32_t> value_shape{};
  // (name, units, values) per dimension of value_shape
  std::vector<std::tuple<std::string, std::string, std::vector<double>>> axes{};
  bool live = false;
};
flatbuffers::DetachedBuffer build_result(const ResultFields& f);

// Sparse detector events: the events are the schema's fixed-size structs, so a producer fills
// them in place and the builder copies them into the message in one block.
struct EventChunkFields {
  Uuid run_id{};
  std::string stream{};
  wire::Modality modality = wire::Modality::Unknown;
  std::uint64_t sequence = 0;
  std::int64_t scan_index = -1;
  std::uint64_t command_seq = 0;
  std::int64_t acquired_wall_ns = 0;
  std::int64_t acquired_mono_ns = 0;
  std::uint64_t first_pulse = 0;
  std::uint64_t pulses = 0;
  double voltage_v = 0.0;
  std::vector<wire::Event> events{};
};
flatbuffers::DetachedBuffer build_event_chunk(const EventChunkFields& f);

// Short lower-case names used in topics and logs: "4dstem", "saxs", "apt".
std::string modality_name(wire::Modality modality);
wire::Modality modality_from_name(std::string_view name);  // Unknown when not recognised

}  // namespace edgeloop
