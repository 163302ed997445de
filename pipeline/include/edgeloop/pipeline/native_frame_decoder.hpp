// Turns a native data message ([FrameHeader][payload]) into a Frame, refusing anything a
// well-behaved detector would not send: the first line of defence of the data socket.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <variant>

#include "edgeloop/core/wire.hpp"
#include "edgeloop/pipeline/frame.hpp"

namespace edgeloop {

// Bounds on what a frame may claim to be, so a corrupt header cannot make us allocate or
// read absurd amounts; configurable per daemon.
struct FrameLimits {
  std::uint32_t max_rank = 4;
  std::uint32_t max_dim = 1u << 16;
  std::uint64_t max_frame_bytes = 256ull << 20;
  std::size_t max_stream_name = 128;
};

// On success the payload is moved into the returned Frame (its SHA-256 is left to the
// processing worker, off the I/O thread). `scratch` holds an aligned copy of the header when
// it arrived misaligned. Raw, BitshuffleLz4 and Lz4 payloads are accepted.
std::variant<Frame, WireError> decode_native_frame(std::span<const std::byte> header,
                                                   AlignedScratch& scratch,
                                                   std::unique_ptr<PayloadOwner> payload,
                                                   const FrameLimits& limits);

// An APT-style data message ([EventChunk], one part) as an Events frame whose payload is the
// chunk's wire::Event array, in place in `message` when aligned, else copied.
std::variant<Frame, WireError> decode_native_event_chunk(std::unique_ptr<PayloadOwner> message,
                                                         AlignedScratch& scratch,
                                                         const FrameLimits& limits);

}  // namespace edgeloop
