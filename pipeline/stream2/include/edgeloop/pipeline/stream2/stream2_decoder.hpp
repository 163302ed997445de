// Decodes one DECTRIS stream2 ZeroMQ message (see stream2_messages.hpp for the format and its
// sources), refusing anything malformed or oversized: the first line of defence of a stream2
// data socket. Nothing is copied out of the message but small metadata values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <variant>

#include "edgeloop/core/wire.hpp"
#include "edgeloop/pipeline/stream2/stream2_messages.hpp"

namespace edgeloop {

// Bounds on what a message may claim, so a corrupt or hostile one cannot make us allocate,
// recurse or read absurd amounts; configurable per daemon.
struct Stream2Limits {
  std::uint64_t max_array_bytes = 256ull << 20;  // uncompressed bytes of one array
  std::uint32_t max_dim = 1u << 16;              // rows or columns
  std::size_t max_channels = 16;                 // arrays per map, names in "channels"
  std::size_t max_depth = 32;                    // nesting of arrays, maps and tags
  std::size_t max_text = 4096;                   // bytes of a text value kept
};

using Stream2Message = std::variant<Stream2Start, Stream2Image, Stream2End, WireError>;

// Refusals carry a short `reason` (a counter label) and a readable `detail`:
// truncated, malformed, trailing_bytes, not_stream2, unknown_type, missing_field,
// duplicate_field, bad_type, bad_field, bad_tag, bad_shape, unsupported_dtype,
// unsupported_layout, unsupported_compression, unsupported_encoding, too_large, too_deep,
// payload_size. Every Stream2Span of the result refers to `message`.
Stream2Message decode_stream2_message(std::span<const std::byte> message,
                                      const Stream2Limits& limits = {});

}  // namespace edgeloop
