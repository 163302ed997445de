#include "edgeloop/formats/bitshuffle_chunk.hpp"

#include <fmt/format.h>
#include <lz4.h>
#include <zstd.h>

#include <climits>
#include <cstdint>
#include <cstring>
#include <string>

#include "big_endian.hpp"
#include "edgeloop/formats/bitshuffle_lz4.hpp"

namespace edgeloop::formats {
namespace {

constexpr std::size_t kHeaderBytes = 12;
constexpr std::size_t kBlockHeaderBytes = 4;
constexpr std::size_t kGroup = 8;

[[noreturn]] void fail(const std::string& message) {
  throw BitshuffleError("bitshuffle chunk: " + message);
}

std::size_t block_bound(std::size_t bytes, BitshuffleBlockCodec codec) {
  return codec == BitshuffleBlockCodec::kLz4 ? bytes + bytes / 255 + 16 : ZSTD_compressBound(bytes);
}

void store_header(std::byte* p, std::uint64_t total, std::size_t block_bytes) {
  detail::store_be32(p, static_cast<std::uint32_t>(total >> 32U));
  detail::store_be32(p + 4, static_cast<std::uint32_t>(total));
  detail::store_be32(p + 8, static_cast<std::uint32_t>(block_bytes));
}

}  // namespace

BitshuffleLayout bitshuffle_layout(std::size_t bytes, std::size_t element_size,
                                   std::size_t block_elements) {
  if (element_size == 0) fail("element size 0");
  if (bytes % element_size != 0) {
    fail(fmt::format("{} bytes are not a whole number of {}-byte elements", bytes, element_size));
  }
  const std::size_t block =
      block_elements == 0 ? bitshuffle_default_block_elements(element_size) : block_elements;
  if (block % kGroup != 0) fail(fmt::format("block of {} elements, not a multiple of 8", block));
  if (block > static_cast<std::size_t>(LZ4_MAX_INPUT_SIZE) / element_size) {
    fail(fmt::format("block of {} elements of {} bytes is too large", block, element_size));
  }
  const std::size_t elements = bytes / element_size;
  const std::size_t rest = elements % block;
  return {element_size, block, elements / block, rest - rest % kGroup, rest % kGroup};
}

std::size_t bitshuffle_chunk_max_size(const BitshuffleLayout& layout, BitshuffleBlockCodec codec) {
  std::size_t size = kHeaderBytes;
  for (std::size_t i = 0; i < layout.block_count(); ++i) {
    size += kBlockHeaderBytes + block_bound(layout.block_bytes(i), codec);
  }
  return size + layout.verbatim * layout.element_size;
}

std::size_t bitshuffle_assemble_chunk(std::span<const std::byte> shuffled,
                                      const BitshuffleLayout& layout, std::span<std::byte> output,
                                      BitshuffleBlockCodec codec, int zstd_level) {
  if (shuffled.size() != layout.frame_bytes()) {
    fail(
        fmt::format("{} shuffled bytes for a layout of {}", shuffled.size(), layout.frame_bytes()));
  }
  const std::size_t needed = bitshuffle_chunk_max_size(layout, codec);
  if (output.size() < needed) {
    fail(fmt::format("output of {} bytes, {} needed", output.size(), needed));
  }
  store_header(output.data(), shuffled.size(), layout.block * layout.element_size);
  std::size_t position = kHeaderBytes;
  for (std::size_t i = 0; i < layout.block_count(); ++i) {
    const std::byte* in = shuffled.data() + layout.block_offset(i);
    const std::size_t bytes = layout.block_bytes(i);
    std::byte* out = output.data() + position + kBlockHeaderBytes;
    const std::size_t bound = block_bound(bytes, codec);
    std::size_t written = 0;
    if (codec == BitshuffleBlockCodec::kLz4) {
      // LZ4_compress_default with the same acceleration as the bitshuffle library, which is
      // what makes the chunks byte-identical to bslz4_compress.
      const int n =
          LZ4_compress_default(reinterpret_cast<const char*>(in), reinterpret_cast<char*>(out),
                               static_cast<int>(bytes), static_cast<int>(bound));
      if (n <= 0) fail("LZ4_compress_default failed");
      written = static_cast<std::size_t>(n);
    } else {
      written = ZSTD_compress(out, bound, in, bytes, zstd_level);
      if (ZSTD_isError(written) != 0U) fail(ZSTD_getErrorName(written));
    }
    detail::store_be32(output.data() + position, static_cast<std::uint32_t>(written));
    position += kBlockHeaderBytes + written;
  }
  const std::size_t tail = layout.verbatim * layout.element_size;
  if (tail != 0) {
    std::memcpy(output.data() + position, shuffled.data() + layout.transposed_bytes(), tail);
  }
  return position + tail;
}

std::vector<std::byte> bszstd_compress(std::span<const std::byte> input, std::size_t element_size,
                                       int level, std::size_t block_elements) {
  const BitshuffleLayout layout = bitshuffle_layout(input.size(), element_size, block_elements);
  std::vector<std::byte> shuffled(input.begin(), input.end());
  for (std::size_t i = 0; i < layout.block_count(); ++i) {
    const auto block = input.subspan(layout.block_offset(i), layout.block_bytes(i));
    bitshuffle_transpose(block, element_size,
                         std::span(shuffled).subspan(layout.block_offset(i), block.size()));
  }
  std::vector<std::byte> chunk(bitshuffle_chunk_max_size(layout, BitshuffleBlockCodec::kZstd));
  chunk.resize(
      bitshuffle_assemble_chunk(shuffled, layout, chunk, BitshuffleBlockCodec::kZstd, level));
  return chunk;
}

void bszstd_decompress(std::span<const std::byte> chunk, std::size_t element_size,
                       std::span<std::byte> output) {
  const std::uint64_t total = bslz4_uncompressed_size(chunk);  // same 12-byte header
  if (total != output.size()) {
    fail(fmt::format("chunk holds {} bytes, output has room for {}", total, output.size()));
  }
  if (element_size == 0 || output.size() % element_size != 0) {
    fail(fmt::format("{} bytes are not a whole number of {}-byte elements", output.size(),
                     element_size));
  }
  const std::size_t block_bytes = detail::load_be32(chunk.data() + 8);
  if (block_bytes == 0 || block_bytes % element_size != 0) {
    fail(fmt::format("invalid block size of {} bytes", block_bytes));
  }
  const BitshuffleLayout layout =
      bitshuffle_layout(output.size(), element_size, block_bytes / element_size);
  std::vector<std::byte> shuffled(layout.block_bytes(0));  // the first block is the largest
  std::size_t position = kHeaderBytes;
  for (std::size_t i = 0; i < layout.block_count(); ++i) {
    const std::size_t bytes = layout.block_bytes(i);
    if (chunk.size() - position < kBlockHeaderBytes) {
      fail(fmt::format("chunk truncated at byte {} before a block header", position));
    }
    const std::size_t compressed = detail::load_be32(chunk.data() + position);
    position += kBlockHeaderBytes;
    if (compressed > chunk.size() - position) {
      fail(fmt::format("block at byte {} claims {} compressed bytes, {} remain",
                       position - kBlockHeaderBytes, compressed, chunk.size() - position));
    }
    const std::size_t decoded =
        ZSTD_decompress(shuffled.data(), bytes, chunk.data() + position, compressed);
    if (ZSTD_isError(decoded) != 0U || decoded != bytes) {
      fail(fmt::format("block at byte {} does not decode to {} bytes", position - kBlockHeaderBytes,
                       bytes));
    }
    bitshuffle_untranspose(std::span(shuffled).first(bytes), element_size,
                           output.subspan(layout.block_offset(i), bytes));
    position += compressed;
  }
  const std::size_t tail = layout.verbatim * element_size;
  if (chunk.size() - position != tail) {
    fail(fmt::format("chunk has {} bytes after its blocks, {} expected", chunk.size() - position,
                     tail));
  }
  if (tail != 0)
    std::memcpy(output.data() + layout.transposed_bytes(), chunk.data() + position, tail);
}

}  // namespace edgeloop::formats
