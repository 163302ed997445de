// Between a frame's payload as it arrived and what stages and storage need: raw pixels for
// the stages, a bitshuffle+LZ4 or zstd chunk for the file, each made at most once and into
// pooled buffers when they fit.
#pragma once

#include <chrono>
#include <memory>
#include <span>

#include "edgeloop/formats/zstd_hdf5.hpp"
#include "edgeloop/pipeline/frame.hpp"
#include "edgeloop/pipeline/runtime/buffer_pool.hpp"

namespace edgeloop {

// Sets frame.decoded to the raw pixels of a compressed (BitshuffleLz4, Lz4 or Zstd: one zstd
// frame, the HDF5 zstd filter's chunk) image payload;
// nothing to do for Raw payloads and event chunks. Returns false when the pool had no slot
// within `wait` and the heap was used instead. Throws std::runtime_error naming the problem
// when the payload does not decode to exactly meta.uncompressed_size bytes.
bool decode_frame_pixels(Frame& frame, BufferPool& pool, std::chrono::milliseconds wait);

// A frame's payload as `codec` bytes (BitshuffleLz4, Zstd at `zstd_level`, or Raw) for
// storage: the payload itself when it already is, else an encoded copy. `owner` keeps the
// bytes alive when a copy was made; null when the span points into the frame.
struct EncodedChunk {
  std::span<const std::byte> bytes;
  std::unique_ptr<PayloadOwner> owner;
};
EncodedChunk encode_frame_chunk(const Frame& frame, wire::Codec codec, BufferPool& pool,
                                std::chrono::milliseconds wait,
                                int zstd_level = formats::kZstdDefaultLevel);

}  // namespace edgeloop
