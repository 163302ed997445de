#include "edgeloop/pipeline/runtime/frame_codec.hpp"

#include <stdexcept>
#include <string>
#include <vector>

#include "edgeloop/core/dtype.hpp"
#include "edgeloop/formats/bitshuffle_lz4.hpp"
#include "edgeloop/formats/lz4_hdf5.hpp"
#include "edgeloop/formats/zstd_hdf5.hpp"

namespace edgeloop {

namespace {

class HeapPayload final : public PayloadOwner {
 public:
  explicit HeapPayload(std::size_t bytes) : bytes_(bytes) {}
  std::span<const std::byte> bytes() const override { return bytes_; }
  std::span<std::byte> writable() { return bytes_; }
  void shrink(std::size_t bytes) { bytes_.resize(bytes); }

 private:
  std::vector<std::byte> bytes_;
};

// A writable buffer of `bytes`: pooled when it fits and a slot frees up in time.
struct Scratch {
  std::unique_ptr<PayloadOwner> owner;
  std::span<std::byte> data;
  bool pooled = false;

  void shrink(std::size_t bytes) {
    if (pooled) {
      static_cast<PooledBuffer&>(*owner).resize(bytes);
    } else {
      static_cast<HeapPayload&>(*owner).shrink(bytes);
    }
    data = data.first(bytes);
  }
};

Scratch scratch(BufferPool& pool, std::size_t bytes, std::chrono::milliseconds wait) {
  if (bytes <= pool.slot_bytes()) {
    if (auto b = pool.acquire(bytes, wait)) {
      auto data = b->writable();
      return {std::move(b), data, true};
    }
  }
  auto heap = std::make_unique<HeapPayload>(bytes);
  auto data = heap->writable();
  return {std::move(heap), data, false};
}

}  // namespace

bool decode_frame_pixels(Frame& frame, BufferPool& pool, std::chrono::milliseconds wait) {
  const FrameMeta& meta = frame.meta;
  if (meta.kind != FrameKind::Image || meta.codec == wire::Codec::Raw || frame.decoded) {
    return true;
  }
  const std::size_t element = dtype_size(meta.dtype);
  Scratch out = scratch(pool, meta.uncompressed_size, wait);
  const auto in = frame.bytes();
  if (meta.codec == wire::Codec::BitshuffleLz4) {
    if (formats::bslz4_uncompressed_size(in) != meta.uncompressed_size) {
      throw std::runtime_error(
          "bitshuffle/LZ4 chunk holds " + std::to_string(formats::bslz4_uncompressed_size(in)) +
          " bytes, the header promises " + std::to_string(meta.uncompressed_size));
    }
    formats::bslz4_decompress(in, element, out.data);
  } else if (meta.codec == wire::Codec::Lz4) {
    // The HDF5 LZ4 filter's framing, as DECTRIS stream2 "lz4" uses it.
    if (formats::lz4_hdf5_uncompressed_size(in) != meta.uncompressed_size) {
      throw std::runtime_error(
          "LZ4 chunk holds " + std::to_string(formats::lz4_hdf5_uncompressed_size(in)) +
          " bytes, the header promises " + std::to_string(meta.uncompressed_size));
    }
    formats::lz4_hdf5_decompress(in, out.data);
  } else if (meta.codec == wire::Codec::Zstd) {
    // One zstd frame, as the HDF5 zstd filter (32015) stores a chunk.
    if (formats::zstd_hdf5_uncompressed_size(in) != meta.uncompressed_size) {
      throw std::runtime_error(
          "zstd frame holds " + std::to_string(formats::zstd_hdf5_uncompressed_size(in)) +
          " bytes, the header promises " + std::to_string(meta.uncompressed_size));
    }
    formats::zstd_hdf5_decompress(in, out.data);
  } else {
    throw std::runtime_error(std::string("cannot decode codec ") + wire::EnumNameCodec(meta.codec));
  }
  const bool pooled = out.pooled;
  frame.decoded = std::move(out.owner);
  return pooled;
}

EncodedChunk encode_frame_chunk(const Frame& frame, wire::Codec codec, BufferPool& pool,
                                std::chrono::milliseconds wait, int zstd_level) {
  if (codec == frame.meta.codec) return {frame.bytes(), nullptr};
  const auto pixels = frame.pixels();
  if (pixels.size() != frame.meta.uncompressed_size) {
    throw std::runtime_error("frame has no decoded pixels to store");
  }
  if (codec == wire::Codec::Raw) return {pixels, nullptr};
  if (codec == wire::Codec::Zstd) {
    Scratch out = scratch(pool, formats::zstd_hdf5_max_compressed_size(pixels.size()), wait);
    out.shrink(formats::zstd_hdf5_compress(pixels, out.data, zstd_level));
    const std::span<const std::byte> bytes = out.data;
    return {bytes, std::move(out.owner)};
  }
  if (codec != wire::Codec::BitshuffleLz4) {
    throw std::runtime_error(std::string("cannot store frames as ") + wire::EnumNameCodec(codec));
  }
  const std::size_t element = dtype_size(frame.meta.dtype);
  Scratch out = scratch(pool, formats::bslz4_max_compressed_size(pixels.size(), element), wait);
  const std::size_t n = formats::bslz4_compress(pixels, element, out.data);
  out.shrink(n);
  const std::span<const std::byte> bytes = out.data;
  return {bytes, std::move(out.owner)};
}

}  // namespace edgeloop
