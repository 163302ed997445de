#include "edgeloop/core/wire_builders.hpp"

namespace edgeloop {

namespace {
std::uint64_t as_u64(std::int64_t v) {
  return v < 0 ? 0 : static_cast<std::uint64_t>(v);
}
}  // namespace

flatbuffers::DetachedBuffer build_frame_header(const FrameHeaderFields& f) {
  flatbuffers::FlatBufferBuilder fbb(256);
  const auto stream = fbb.CreateString(f.stream);
  const auto position = fbb.CreateVector(f.scan_position);
  const auto shape = fbb.CreateVector(f.shape);
  const wire::Uuid run = to_wire(f.run_id);
  wire::FrameHeaderBuilder b(fbb);
  b.add_schema_version(kSchemaVersion);
  b.add_run_id(&run);
  b.add_stream(stream);
  b.add_modality(f.modality);
  b.add_sequence(f.sequence);
  b.add_scan_index(f.scan_index);
  b.add_scan_position(position);
  b.add_command_seq(f.command_seq);
  b.add_acquired_wall_ns(as_u64(f.acquired_wall_ns));
  b.add_acquired_mono_ns(as_u64(f.acquired_mono_ns));
  b.add_dtype(f.dtype);
  b.add_shape(shape);
  b.add_codec(f.codec);
  b.add_uncompressed_size(f.uncompressed_size);
  b.add_exposure_s(f.exposure_s);
  fbb.Finish(b.Finish(), wire::FrameHeaderIdentifier());
  return fbb.Release();
}

flatbuffers::DetachedBuffer build_command(const CommandFields& f) {
  flatbuffers::FlatBufferBuilder fbb(256);
  const auto actuator = fbb.CreateString(f.actuator);
  const auto target = fbb.CreateVector(f.target);
  const auto cause = fbb.CreateString(f.cause);
  const wire::Uuid run = to_wire(f.run_id);
  wire::CommandBuilder b(fbb);
  b.add_schema_version(kSchemaVersion);
  b.add_run_id(&run);
  b.add_seq(f.seq);
  b.add_actuator(actuator);
  b.add_target(target);
  b.add_deadline_wall_ns(as_u64(f.deadline_wall_ns));
  b.add_issued_wall_ns(as_u64(f.issued_wall_ns));
  b.add_attempt(f.attempt);
  b.add_cause(cause);
  fbb.Finish(b.Finish(), wire::CommandIdentifier());
  return fbb.Release();
}

flatbuffers::DetachedBuffer build_ack(const AckFields& f) {
  flatbuffers::FlatBufferBuilder fbb(128);
  const auto reason = fbb.CreateString(f.reason);
  const auto readback = fbb.CreateVector(f.readback);
  const wire::Uuid run = to_wire(f.run_id);
  wire::AckBuilder b(fbb);
  b.add_schema_version(kSchemaVersion);
  b.add_run_id(&run);
  b.add_seq(f.seq);
  b.add_status(f.status);
  b.add_reason(reason);
  b.add_readback(readback);
  b.add_completed_wall_ns(as_u64(f.completed_wall_ns));
  fbb.Finish(b.Finish(), wire::AckIdentifier());
  return fbb.Release();
}

flatbuffers::DetachedBuffer build_instrument_status(const InstrumentStatusFields& f) {
  flatbuffers::FlatBufferBuilder fbb(256);
  const auto name = fbb.CreateString(f.instrument);
  std::vector<flatbuffers::Offset<wire::ActuatorReadback>> readbacks;
  for (const auto& [actuator, value] : f.actuators) {
    readbacks.push_back(
        wire::CreateActuatorReadback(fbb, fbb.CreateString(actuator), fbb.CreateVector(value)));
  }
  const auto actuators = fbb.CreateVector(readbacks);
  const auto message = fbb.CreateString(f.message);
  wire::InstrumentStatusBuilder b(fbb);
  b.add_schema_version(kSchemaVersion);
  b.add_instrument(name);
  b.add_modality(f.modality);
  b.add_state(f.state);
  b.add_interlock(f.interlock);
  b.add_actuators(actuators);
  b.add_frames_sent(f.frames_sent);
  b.add_message(message);
  b.add_wall_ns(as_u64(f.wall_ns));
  fbb.Finish(b.Finish(), wire::InstrumentStatusIdentifier());
  return fbb.Release();
}

flatbuffers::DetachedBuffer build_result(const ResultFields& f) {
  flatbuffers::FlatBufferBuilder fbb(256);
  const auto stream = fbb.CreateString(f.stream);
  const auto product = fbb.CreateString(f.product);
  const auto position = fbb.CreateVector(f.scan_position);
  const auto stage = fbb.CreateString(f.stage);
  const auto version = fbb.CreateString(f.stage_version);
  const auto values = fbb.CreateVector(f.values);
  const auto shape = fbb.CreateVector(f.shape);
  const auto input = fbb.CreateVector(f.input_sha256);
  const auto errors = fbb.CreateVector(f.errors);
  const auto units = fbb.CreateString(f.units);
  const auto value_shape = fbb.CreateVector(f.value_shape);
  std::vector<flatbuffers::Offset<wire::Axis>> axis_offsets;
  for (const auto& [name, axis_units, axis_values] : f.axes) {
    axis_offsets.push_back(wire::CreateAxis(
        fbb, fbb.CreateString(name), fbb.CreateString(axis_units), fbb.CreateVector(axis_values)));
  }
  const auto axes = fbb.CreateVector(axis_offsets);
  const wire::Uuid run = to_wire(f.run_id);
  wire::ResultBuilder b(fbb);
  b.add_schema_version(kSchemaVersion);
  b.add_run_id(&run);
  b.add_stream(stream);
  b.add_product(product);
  b.add_source_sequence(f.source_sequence);
  b.add_scan_index(f.scan_index);
  b.add_scan_position(position);
  b.add_stage(stage);
  b.add_stage_version(version);
  b.add_values(values);
  b.add_dtype(f.dtype);
  b.add_shape(shape);
  b.add_input_sha256(input);
  b.add_produced_wall_ns(as_u64(f.produced_wall_ns));
  b.add_errors(errors);
  b.add_units(units);
  b.add_value_shape(value_shape);
  b.add_axes(axes);
  b.add_live(f.live);
  fbb.Finish(b.Finish(), wire::ResultIdentifier());
  return fbb.Release();
}

flatbuffers::DetachedBuffer build_event_chunk(const EventChunkFields& f) {
  // Each event takes 24 bytes; sizing the builder up front avoids regrowing it per chunk.
  flatbuffers::FlatBufferBuilder fbb(256 + f.events.size() * sizeof(wire::Event));
  const auto stream = fbb.CreateString(f.stream);
  const auto events = fbb.CreateVectorOfStructs(f.events);
  const wire::Uuid run = to_wire(f.run_id);
  wire::EventChunkBuilder b(fbb);
  b.add_schema_version(kSchemaVersion);
  b.add_run_id(&run);
  b.add_stream(stream);
  b.add_modality(f.modality);
  b.add_sequence(f.sequence);
  b.add_scan_index(f.scan_index);
  b.add_command_seq(f.command_seq);
  b.add_acquired_wall_ns(as_u64(f.acquired_wall_ns));
  b.add_acquired_mono_ns(as_u64(f.acquired_mono_ns));
  b.add_first_pulse(f.first_pulse);
  b.add_pulses(f.pulses);
  b.add_voltage_v(f.voltage_v);
  b.add_events(events);
  fbb.Finish(b.Finish(), wire::EventChunkIdentifier());
  return fbb.Release();
}

std::string modality_name(wire::Modality modality) {
  switch (modality) {
    case wire::Modality::Stem4D:
      return "4dstem";
    case wire::Modality::Saxs:
      return "saxs";
    case wire::Modality::Apt:
      return "apt";
    case wire::Modality::Unknown:
      break;
  }
  return "unknown";
}

wire::Modality modality_from_name(std::string_view name) {
  if (name == "4dstem") return wire::Modality::Stem4D;
  if (name == "saxs") return wire::Modality::Saxs;
  if (name == "apt") return wire::Modality::Apt;
  return wire::Modality::Unknown;
}

}  // namespace edgeloop
