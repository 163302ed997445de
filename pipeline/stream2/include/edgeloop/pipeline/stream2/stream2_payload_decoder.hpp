// Turns a stream2 frame's compressed payload (bslz4 or lz4) into raw pixels: what fills
// Frame::decoded before a stage reads the frame.
#pragma once

#include <cstddef>
#include <optional>
#include <span>

#include "edgeloop/core/wire.hpp"
#include "edgeloop/pipeline/frame.hpp"

namespace edgeloop {

// Decompresses `payload` (codec BitshuffleLz4, Lz4, or Raw: copied) of `element_size`-byte
// elements into `output`, whose size must be the uncompressed size; nullopt on success, else
// payload_size, unsupported_codec or corrupt_payload. For a pooled output buffer.
std::optional<WireError> decompress_stream2_payload(std::span<const std::byte> payload,
                                                    wire::Codec codec, std::size_t element_size,
                                                    std::span<std::byte> output);

// Fills `frame.decoded` with the raw pixels of a compressed payload, in a buffer of its own;
// does nothing for a raw payload.
std::optional<WireError> decode_frame_pixels(Frame& frame);

}  // namespace edgeloop
