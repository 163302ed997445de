#include "edgeloop/pipeline/native_frame_decoder.hpp"

#include <cmath>
#include <limits>
#include <string>

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
  if (meta.codec != wire::Codec::Raw) {
    return refuse("unsupported_codec",
                  std::string("codec ") + wire::EnumNameCodec(meta.codec) + " is not accepted yet");
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
  if (received != bytes) {
    return refuse("payload_size", "payload has " + std::to_string(received) +
                                      " bytes, header shape and dtype need " +
                                      std::to_string(bytes));
  }
  if (h.uncompressed_size() != 0 && h.uncompressed_size() != bytes) {
    return refuse("payload_size", "uncompressed_size disagrees with shape and dtype");
  }

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
  meta.payload_sha256 = Sha256::of(frame.bytes());
  return frame;
}

}  // namespace edgeloop
