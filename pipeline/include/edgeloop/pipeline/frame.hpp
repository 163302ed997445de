// A detector frame as it moves through the pipeline: validated header fields plus the payload,
// which stays in the buffer it arrived in (ZeroMQ message, pooled buffer) - never copied.
#pragma once

#include <edgeloop/wire/common_generated.h>

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

struct FrameMeta {
  Uuid run_id;
  std::string stream;
  wire::Modality modality = wire::Modality::Unknown;
  std::uint64_t sequence = 0;
  std::int64_t scan_index = -1;
  std::vector<double> scan_position;
  std::uint64_t command_seq = 0;
  std::int64_t acquired_wall_ns = 0;
  std::int64_t received_mono_ns = 0;
  wire::DType dtype = wire::DType::Unknown;
  std::vector<std::uint32_t> shape;
  wire::Codec codec = wire::Codec::Raw;
  Sha256Digest payload_sha256{};  // of the bytes as received, for provenance
};

struct Frame {
  FrameMeta meta;
  std::unique_ptr<PayloadOwner> payload;

  std::span<const std::byte> bytes() const {
    return payload ? payload->bytes() : std::span<const std::byte>{};
  }
};

}  // namespace edgeloop
