// A detector frame (or a chunk of sparse events) as it moves through the pipeline: validated
// header fields plus the payload, which stays in the buffer it arrived in (ZeroMQ message,
// pooled buffer) - never copied.
#pragma once

#include <edgeloop/wire/common_generated.h>
#include <edgeloop/wire/event_chunk_generated.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "edgeloop/core/dtype.hpp"
#include "edgeloop/core/sha256.hpp"
#include "edgeloop/core/uuid.hpp"

namespace edgeloop {

// Owns a payload's bytes wherever they live; destroying it releases them.
class PayloadOwner {
 public:
  virtual ~PayloadOwner() = default;
  virtual std::span<const std::byte> bytes() const = 0;
};

// Pixels of an image, or the packed wire::Event array of an event chunk (APT ions, counted
// electrons).
enum class FrameKind : std::uint8_t { Image, Events };

struct FrameMeta {
  FrameKind kind = FrameKind::Image;
  Uuid run_id;
  std::string stream;
  wire::Modality modality = wire::Modality::Unknown;
  std::uint64_t sequence = 0;
  std::int64_t scan_index = -1;
  std::vector<double> scan_position;
  std::uint64_t command_seq = 0;
  std::int64_t acquired_wall_ns = 0;
  std::int64_t received_mono_ns = 0;
  double exposure_s = 0.0;
  // Image: element type and row-major shape of the decoded pixels; Events: U8 and {count}.
  wire::DType dtype = wire::DType::Unknown;
  std::vector<std::uint32_t> shape;
  wire::Codec codec = wire::Codec::Raw;  // of `payload`; `decoded` is always raw
  std::uint64_t uncompressed_size = 0;   // bytes of the decoded pixels
  // Events only: the pulses the chunk covers and the specimen voltage (APT).
  std::uint64_t first_pulse = 0;
  std::uint64_t pulses = 0;
  double voltage_v = 0.0;
  Sha256Digest payload_sha256{};  // of the bytes as received, for provenance
  bool payload_hashed = false;    // set once payload_sha256 has been computed
};

struct Frame {
  FrameMeta meta;
  std::unique_ptr<PayloadOwner> payload;  // as received (possibly compressed)
  std::unique_ptr<PayloadOwner> decoded;  // raw pixels when `payload` is compressed

  // The payload exactly as it arrived.
  std::span<const std::byte> bytes() const {
    return payload ? payload->bytes() : std::span<const std::byte>{};
  }
  // Raw little-endian pixels: the decoded copy when there is one, else the payload itself.
  // Empty while a compressed payload has not been decoded yet.
  std::span<const std::byte> pixels() const {
    if (decoded) return decoded->bytes();
    return meta.codec == wire::Codec::Raw ? bytes() : std::span<const std::byte>{};
  }
  // Events frames: the events, straight from the message they arrived in.
  std::span<const wire::Event> events() const {
    if (meta.kind != FrameKind::Events) return {};
    const auto b = bytes();
    return {reinterpret_cast<const wire::Event*>(b.data()), b.size() / sizeof(wire::Event)};
  }
};

}  // namespace edgeloop
