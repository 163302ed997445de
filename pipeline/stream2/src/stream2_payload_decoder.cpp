#include "edgeloop/pipeline/stream2/stream2_payload_decoder.hpp"

#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "edgeloop/core/dtype.hpp"
#include "edgeloop/formats/bitshuffle_lz4.hpp"
#include "edgeloop/formats/lz4_hdf5.hpp"

namespace edgeloop {

namespace {

// Decoded pixels in a buffer of their own, for callers without a buffer pool.
class VectorPayload final : public PayloadOwner {
 public:
  explicit VectorPayload(std::size_t size) : bytes_(size) {}
  std::span<const std::byte> bytes() const override { return bytes_; }
  std::span<std::byte> writable() { return bytes_; }

 private:
  std::vector<std::byte> bytes_;
};

}  // namespace

std::optional<WireError> decompress_stream2_payload(std::span<const std::byte> payload,
                                                    wire::Codec codec, std::size_t element_size,
                                                    std::span<std::byte> output) {
  try {
    switch (codec) {
      case wire::Codec::Raw:
        if (payload.size() != output.size()) break;
        if (!payload.empty()) std::memcpy(output.data(), payload.data(), payload.size());
        return std::nullopt;
      case wire::Codec::BitshuffleLz4:
        if (formats::bslz4_uncompressed_size(payload) != output.size()) break;
        formats::bslz4_decompress(payload, element_size, output);
        return std::nullopt;
      case wire::Codec::Lz4:
        if (formats::lz4_hdf5_uncompressed_size(payload) != output.size()) break;
        formats::lz4_hdf5_decompress(payload, output);
        return std::nullopt;
      default:
        return WireError{"unsupported_codec", std::string("codec ") + wire::EnumNameCodec(codec) +
                                                  " is not a stream2 compression"};
    }
  } catch (const std::exception& error) {
    // The decompressors refuse corrupt input by throwing; a daemon counts it and moves on.
    return WireError{"corrupt_payload", error.what()};
  }
  return WireError{"payload_size", "payload does not decompress to the " +
                                       std::to_string(output.size()) + " bytes expected"};
}

std::optional<WireError> decode_frame_pixels(Frame& frame) {
  if (frame.meta.codec == wire::Codec::Raw) return std::nullopt;
  const std::size_t element_size = dtype_size(frame.meta.dtype);
  if (element_size == 0) return WireError{"bad_field", "frame has no element type"};
  auto decoded = std::make_unique<VectorPayload>(frame.meta.uncompressed_size);
  if (auto error = decompress_stream2_payload(frame.bytes(), frame.meta.codec, element_size,
                                              decoded->writable())) {
    return error;
  }
  frame.decoded = std::move(decoded);
  return std::nullopt;
}

}  // namespace edgeloop
