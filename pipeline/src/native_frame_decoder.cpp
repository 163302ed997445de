#include "edgeloop/pipeline/native_frame_decoder.hpp"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "edgeloop/core/clock.hpp"

namespace edgeloop {

namespace {
WireError refuse(const char* reason, std::string detail) {
  return WireError{reason, std::move(detail)};
}
}  // namespace

std::variant<Frame, WireError> decode_native_frame(std::span<const std::byte> header_bytes,
                                                   AlignedScratch& scratch,
                                                   std::unique_ptr<PayloadOwner> payload,
                                                   const FrameLimits& limits) {
  auto decoded = decode<wire::FrameHeader>(header_bytes, scratch);
  if (auto* error = std::get_if<WireError>(&decoded)) return *error;
  const wire::FrameHeader& h = *std::get<const wire::FrameHeader*>(decoded);

  Frame frame;
  FrameMeta& meta = frame.meta;
  meta.run_id = from_wire(h.run_id());
  if (meta.run_id.is_nil()) return refuse("missing_field", "frame header has no run_id");
  if (h.stream() == nullptr || h.stream()->size() == 0) {
    return refuse("missing_field", "frame header has no stream name");
  }
  if (h.stream()->size() > limits.max_stream_name) {
    return refuse("bad_field", "stream name longer than " + std::to_string(limits.max_stream_name));
  }
  meta.stream = h.stream()->str();
  meta.modality = h.modality();
  if (wire::EnumNameModality(meta.modality)[0] == '\0') {
    return refuse("bad_field", "unknown modality");
  }
  meta.dtype = h.dtype();
  const std::size_t element = dtype_size(meta.dtype);
  if (element == 0) return refuse("bad_field", "unknown dtype");
  meta.codec = h.codec();
  // Pre-compressed frames (as DECTRIS detectors send them) are taken in the formats the
  // daemon can both decode for its stages and store as they are.
  if (meta.codec != wire::Codec::Raw && meta.codec != wire::Codec::BitshuffleLz4 &&
      meta.codec != wire::Codec::Lz4 && meta.codec != wire::Codec::Zstd) {
    return refuse("unsupported_codec",
                  "codec " + std::to_string(static_cast<int>(meta.codec)) + " is not accepted");
  }

  if (h.shape() == nullptr || h.shape()->size() == 0 || h.shape()->size() > limits.max_rank) {
    return refuse("bad_shape", "rank must be 1.." + std::to_string(limits.max_rank));
  }
  std::uint64_t bytes = element;
  for (const std::uint32_t dim : *h.shape()) {
    if (dim == 0 || dim > limits.max_dim) {
      return refuse("bad_shape", "dimension " + std::to_string(dim) + " outside 1.." +
                                     std::to_string(limits.max_dim));
    }
    // Checked before multiplying so the product cannot overflow.
    if (bytes > limits.max_frame_bytes / dim) {
      return refuse("bad_shape",
                    "frame larger than " + std::to_string(limits.max_frame_bytes) + " bytes");
    }
    bytes *= dim;
    meta.shape.push_back(dim);
  }
  const std::uint64_t received = payload ? payload->bytes().size() : 0;
  if (meta.codec == wire::Codec::Raw && received != bytes) {
    return refuse("payload_size", "payload has " + std::to_string(received) +
                                      " bytes, header shape and dtype need " +
                                      std::to_string(bytes));
  }
  if (meta.codec != wire::Codec::Raw && (received == 0 || received > limits.max_frame_bytes)) {
    return refuse("payload_size", "compressed payload of " + std::to_string(received) +
                                      " bytes is empty or larger than the frame limit");
  }
  if ((h.uncompressed_size() != 0 || meta.codec != wire::Codec::Raw) &&
      h.uncompressed_size() != bytes) {
    return refuse("payload_size", "uncompressed_size disagrees with shape and dtype");
  }
  meta.uncompressed_size = bytes;
  if (!std::isfinite(h.exposure_s()) || h.exposure_s() < 0.0) {
    return refuse("bad_field", "exposure_s is negative or not finite");
  }
  meta.exposure_s = h.exposure_s();

  if (h.scan_position() != nullptr) {
    if (h.scan_position()->size() > 3) return refuse("bad_field", "scan_position has > 3 axes");
    for (const double v : *h.scan_position()) {
      if (!std::isfinite(v)) return refuse("bad_field", "scan_position is not finite");
      meta.scan_position.push_back(v);
    }
  }
  meta.sequence = h.sequence();
  meta.scan_index = h.scan_index();
  meta.command_seq = h.command_seq();
  meta.acquired_wall_ns = static_cast<std::int64_t>(
      std::min<std::uint64_t>(h.acquired_wall_ns(), std::numeric_limits<std::int64_t>::max()));
  meta.received_mono_ns = monotonic_ns();
  frame.payload = std::move(payload);
  return frame;
}

namespace {

// The events of a chunk where they lie in their message, when FlatBuffers could read them in
// place; else a copy (libzmq may hand over a message at any offset).
class EventsPayload final : public PayloadOwner {
 public:
  EventsPayload(std::unique_ptr<PayloadOwner> message, std::span<const std::byte> events)
      : message_(std::move(message)), events_(events) {}
  explicit EventsPayload(std::vector<wire::Event> copy) : copy_(std::move(copy)) {
    events_ = std::as_bytes(std::span(copy_));
  }
  std::span<const std::byte> bytes() const override { return events_; }

 private:
  std::unique_ptr<PayloadOwner> message_;
  std::vector<wire::Event> copy_;
  std::span<const std::byte> events_;
};

}  // namespace

std::variant<Frame, WireError> decode_native_event_chunk(std::unique_ptr<PayloadOwner> message,
                                                         AlignedScratch& scratch,
                                                         const FrameLimits& limits) {
  if (!message) return refuse("truncated", "empty event chunk");
  const std::span<const std::byte> raw = message->bytes();
  auto decoded = decode<wire::EventChunk>(raw, scratch);
  if (auto* error = std::get_if<WireError>(&decoded)) return *error;
  const wire::EventChunk& c = *std::get<const wire::EventChunk*>(decoded);

  Frame frame;
  FrameMeta& meta = frame.meta;
  meta.kind = FrameKind::Events;
  meta.run_id = from_wire(c.run_id());
  if (meta.run_id.is_nil()) return refuse("missing_field", "event chunk has no run_id");
  if (c.stream() == nullptr || c.stream()->size() == 0) {
    return refuse("missing_field", "event chunk has no stream name");
  }
  if (c.stream()->size() > limits.max_stream_name) {
    return refuse("bad_field", "stream name longer than " + std::to_string(limits.max_stream_name));
  }
  meta.stream = c.stream()->str();
  meta.modality = c.modality();
  if (wire::EnumNameModality(meta.modality)[0] == '\0') {
    return refuse("bad_field", "unknown modality");
  }
  if (!std::isfinite(c.voltage_v()) || c.voltage_v() < 0.0) {
    return refuse("bad_field", "voltage_v is negative or not finite");
  }
  const std::size_t count = c.events() != nullptr ? c.events()->size() : 0;
  if (count * sizeof(wire::Event) > limits.max_frame_bytes) {
    return refuse("bad_shape",
                  "event chunk larger than " + std::to_string(limits.max_frame_bytes) + " bytes");
  }
  meta.sequence = c.sequence();
  meta.scan_index = c.scan_index();
  meta.command_seq = c.command_seq();
  meta.acquired_wall_ns = static_cast<std::int64_t>(
      std::min<std::uint64_t>(c.acquired_wall_ns(), std::numeric_limits<std::int64_t>::max()));
  meta.received_mono_ns = monotonic_ns();
  meta.first_pulse = c.first_pulse();
  meta.pulses = c.pulses();
  meta.voltage_v = c.voltage_v();
  meta.dtype = wire::DType::U8;
  meta.shape = {static_cast<std::uint32_t>(count)};
  meta.uncompressed_size = count * sizeof(wire::Event);

  const auto* first = count > 0 ? reinterpret_cast<const std::byte*>(c.events()->Get(0)) : nullptr;
  const bool in_place = count == 0 || (first >= raw.data() &&
                                       first + meta.uncompressed_size <= raw.data() + raw.size());
  if (in_place) {
    frame.payload = std::make_unique<EventsPayload>(
        std::move(message), std::span<const std::byte>(first, meta.uncompressed_size));
  } else {
    std::vector<wire::Event> copy;
    copy.reserve(count);
    for (flatbuffers::uoffset_t i = 0; i < count; ++i) copy.push_back(*c.events()->Get(i));
    frame.payload = std::make_unique<EventsPayload>(std::move(copy));
  }
  return frame;
}

}  // namespace edgeloop
