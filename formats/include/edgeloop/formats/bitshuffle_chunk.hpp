// How a bitshuffle chunk (HDF5 filter 32008) splits into blocks, and its assembly from blocks
// transposed elsewhere (a Kokkos or CUDA kernel), with LZ4 or zstd per block on the CPU.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace edgeloop::formats {

// The blocks of a chunk of `elements`: `full_blocks` of `block` elements, then one shorter
// block of `last_block` elements (a multiple of 8, possibly 0), then `verbatim` (< 8) elements
// stored as they are. Blocks are transposed in place: block i covers the bytes from
// block_offset(i) for block_bytes(i), in the transposed frame as in the original one.
struct BitshuffleLayout {
  std::size_t element_size = 0;
  std::size_t block = 0;
  std::size_t full_blocks = 0;
  std::size_t last_block = 0;
  std::size_t verbatim = 0;

  std::size_t block_count() const { return full_blocks + (last_block != 0 ? 1 : 0); }
  std::size_t block_offset(std::size_t i) const { return i * block * element_size; }
  std::size_t block_elements(std::size_t i) const { return i < full_blocks ? block : last_block; }
  std::size_t block_bytes(std::size_t i) const { return block_elements(i) * element_size; }
  // Bytes covered by blocks; the rest of the frame is the verbatim tail.
  std::size_t transposed_bytes() const { return (full_blocks * block + last_block) * element_size; }
  std::size_t frame_bytes() const { return transposed_bytes() + verbatim * element_size; }
};

// The layout of a frame of `bytes` (a whole number of `element_size` elements) with blocks of
// `block_elements` (0: the bitshuffle default for the element size; else a multiple of 8).
// Throws BitshuffleError for arguments the format cannot hold.
BitshuffleLayout bitshuffle_layout(std::size_t bytes, std::size_t element_size,
                                   std::size_t block_elements = 0);

// The per-block compressor: the filter's compression flag 2 (LZ4) or 3 (zstd, bitshuffle 0.4+).
enum class BitshuffleBlockCodec { kLz4, kZstd };

// Worst-case size of a chunk of the layout, 12-byte header included.
std::size_t bitshuffle_chunk_max_size(const BitshuffleLayout& layout, BitshuffleBlockCodec codec);

// Writes the chunk of a frame whose blocks are already bit-transposed: `shuffled` is the frame
// with every block replaced by its transposition (bitshuffle_transpose) and the verbatim tail
// as it was. `output` must hold bitshuffle_chunk_max_size bytes; returns the bytes written.
// For kLz4 the result is byte-identical to bslz4_compress of the original frame.
std::size_t bitshuffle_assemble_chunk(std::span<const std::byte> shuffled,
                                      const BitshuffleLayout& layout, std::span<std::byte> output,
                                      BitshuffleBlockCodec codec = BitshuffleBlockCodec::kLz4,
                                      int zstd_level = 3);

// Compresses a frame with bitshuffle and zstd blocks (the filter's compression flag 3).
std::vector<std::byte> bszstd_compress(std::span<const std::byte> input, std::size_t element_size,
                                       int level = 3, std::size_t block_elements = 0);
// Decompresses such a chunk into `output` (sized as the header says); corrupt chunks give
// BitshuffleError, never a read or write outside the spans.
void bszstd_decompress(std::span<const std::byte> chunk, std::size_t element_size,
                       std::span<std::byte> output);

}  // namespace edgeloop::formats
