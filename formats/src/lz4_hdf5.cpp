#include "edgeloop/formats/lz4_hdf5.hpp"

#include <lz4.h>

#include <algorithm>
#include <cstring>
#include <string>

namespace edgeloop::formats {

namespace {

constexpr std::size_t kHeaderBytes = 12;

std::uint64_t load_be(const std::byte* p, std::size_t count) {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < count; ++i) value = (value << 8) | static_cast<std::uint8_t>(p[i]);
  return value;
}

void store_be(std::byte* p, std::uint64_t value, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) {
    p[count - 1 - i] = static_cast<std::byte>(value & 0xffu);
    value >>= 8;
  }
}

}  // namespace

std::uint64_t lz4_hdf5_uncompressed_size(std::span<const std::byte> chunk) {
  if (chunk.size() < kHeaderBytes) {
    throw Lz4Hdf5Error("lz4 chunk of " + std::to_string(chunk.size()) +
                       " bytes is shorter than its 12-byte header");
  }
  return load_be(chunk.data(), 8);
}

void lz4_hdf5_decompress(std::span<const std::byte> chunk, std::span<std::byte> output) {
  const std::uint64_t total = lz4_hdf5_uncompressed_size(chunk);
  if (total != output.size()) {
    throw Lz4Hdf5Error("lz4 chunk decompresses to " + std::to_string(total) + " bytes, " +
                       std::to_string(output.size()) + " expected");
  }
  const std::uint64_t block = load_be(chunk.data() + 8, 4);
  if (total == 0) return;
  if (block == 0 || block > LZ4_MAX_INPUT_SIZE) {
    throw Lz4Hdf5Error("lz4 chunk declares blocks of " + std::to_string(block) + " bytes");
  }
  std::size_t in = kHeaderBytes;
  std::size_t out = 0;
  while (out < output.size()) {
    const std::size_t want =
        static_cast<std::size_t>(std::min<std::uint64_t>(block, output.size() - out));
    if (chunk.size() - in < 4) throw Lz4Hdf5Error("lz4 chunk ends inside a block header");
    const std::uint64_t stored = load_be(chunk.data() + in, 4);
    in += 4;
    if (stored > chunk.size() - in) throw Lz4Hdf5Error("lz4 block runs past the chunk's end");
    const auto* src = reinterpret_cast<const char*>(chunk.data() + in);
    auto* dst = reinterpret_cast<char*>(output.data() + out);
    if (stored == want) {
      std::memcpy(dst, src, want);  // the filter stores blocks LZ4 could not shrink as they are
    } else {
      const int produced =
          LZ4_decompress_safe(src, dst, static_cast<int>(stored), static_cast<int>(want));
      if (produced < 0 || static_cast<std::size_t>(produced) != want) {
        throw Lz4Hdf5Error("lz4 block at byte " + std::to_string(in - 4) + " is corrupt");
      }
    }
    in += static_cast<std::size_t>(stored);
    out += want;
  }
}

std::vector<std::byte> lz4_hdf5_compress(std::span<const std::byte> input,
                                         std::size_t block_bytes) {
  if (block_bytes == 0) block_bytes = kLz4Hdf5DefaultBlockBytes;
  if (block_bytes > LZ4_MAX_INPUT_SIZE) {
    throw Lz4Hdf5Error("lz4 blocks of " + std::to_string(block_bytes) + " bytes are too large");
  }
  const std::size_t blocks = (input.size() + block_bytes - 1) / block_bytes;
  const std::size_t largest = std::min(block_bytes, input.size());
  std::vector<std::byte> chunk(
      kHeaderBytes +
      blocks * (4 + static_cast<std::size_t>(LZ4_compressBound(static_cast<int>(largest)))));
  store_be(chunk.data(), input.size(), 8);
  store_be(chunk.data() + 8, block_bytes, 4);
  std::size_t out = kHeaderBytes;
  for (std::size_t in = 0; in < input.size(); in += block_bytes) {
    const std::size_t size = std::min(block_bytes, input.size() - in);
    const auto* src = reinterpret_cast<const char*>(input.data() + in);
    auto* dst = reinterpret_cast<char*>(chunk.data() + out + 4);
    const int written = LZ4_compress_default(src, dst, static_cast<int>(size),
                                             LZ4_compressBound(static_cast<int>(size)));
    std::size_t stored = static_cast<std::size_t>(written);
    if (written <= 0 || stored >= size) {
      std::memcpy(dst, src, size);  // as the filter does with blocks that do not shrink
      stored = size;
    }
    store_be(chunk.data() + out, stored, 4);
    out += 4 + stored;
  }
  chunk.resize(out);
  return chunk;
}

}  // namespace edgeloop::formats
