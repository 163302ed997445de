// The one step of bitshuffle's bit transposition that the Kokkos and the CUDA kernels share:
// a group of 8 elements and one byte plane to 8 output bytes. One definition for both keeps
// the two backends byte-identical by construction, not only by test.
#pragma once

#include <cstddef>
#include <cstdint>

#if defined(__CUDACC__)
#define EDGELOOP_BITSHUFFLE_HOST_DEVICE __host__ __device__
#else
#define EDGELOOP_BITSHUFFLE_HOST_DEVICE
#endif

namespace edgeloop::detail {

// Transposes the 8x8 bit matrix whose row r is byte r of x (x read little-endian): afterwards
// bit k of byte b is what bit b of byte k was (as formats/src/bitshuffle_lz4.cpp).
EDGELOOP_BITSHUFFLE_HOST_DEVICE inline std::uint64_t transpose_bits8x8(std::uint64_t x) {
  std::uint64_t t = (x ^ (x >> 7U)) & 0x00AA00AA00AA00AAULL;
  x ^= t ^ (t << 7U);
  t = (x ^ (x >> 14U)) & 0x0000CCCC0000CCCCULL;
  x ^= t ^ (t << 14U);
  t = (x ^ (x >> 28U)) & 0x00000000F0F0F0F0ULL;
  x ^= t ^ (t << 28U);
  return x;
}

// The frame's blocks as the kernels see them: `full_blocks` of `block` elements and a last
// one of `last_block` (a multiple of 8, possibly 0), all of `s`-byte elements. The work splits
// into rows, one per block and byte plane (row r: block r / s, plane r % s), each of n/8
// groups of 8 elements, so the index arithmetic is paid once per row, not per group.
struct BitshuffleGrid {
  std::size_t s = 0;
  std::size_t block = 0;
  std::size_t full_blocks = 0;
  std::size_t last_block = 0;

  EDGELOOP_BITSHUFFLE_HOST_DEVICE std::size_t rows() const {
    return (full_blocks + (last_block != 0 ? 1 : 0)) * s;
  }
  // Groups in the longest row (a full block's, else the last block's).
  EDGELOOP_BITSHUFFLE_HOST_DEVICE std::size_t max_groups() const {
    return (full_blocks != 0 ? block : last_block) / 8;
  }
};

// One row of the grid: where its block starts in the frame, its elements and its plane.
struct BitshuffleRow {
  std::size_t block_byte = 0;
  std::size_t n = 0;
  std::size_t plane = 0;
};

EDGELOOP_BITSHUFFLE_HOST_DEVICE inline BitshuffleRow bitshuffle_row(const BitshuffleGrid& grid,
                                                                    std::size_t r) {
  const std::size_t b = r / grid.s;
  return {b * grid.block * grid.s, b < grid.full_blocks ? grid.block : grid.last_block,
          r - b * grid.s};
}

// Group g of a row from the frame `in` into the transposed frame `out`: bit row 8j+k of the
// block (n/8 bytes) gets bit k of byte j of the group's 8 elements, element i at bit i%8 of
// byte i/8. S is the element size when known at compile time (constant strides), 0 for any.
template <std::size_t S = 0>
EDGELOOP_BITSHUFFLE_HOST_DEVICE inline void bitshuffle_group(const std::uint8_t* in,
                                                             std::uint8_t* out,
                                                             const BitshuffleRow& row,
                                                             std::size_t runtime_s, std::size_t g) {
  const std::size_t s = S != 0 ? S : runtime_s;
  const std::uint8_t* e = in + row.block_byte + g * 8 * s + row.plane;
  std::uint64_t x = 0;
  for (unsigned k = 0; k < 8; ++k) x |= std::uint64_t{e[k * s]} << (8U * k);
  x = transpose_bits8x8(x);
  const std::size_t stride = row.n / 8;
  std::uint8_t* rows = out + row.block_byte + row.plane * row.n + g;
  for (unsigned k = 0; k < 8; ++k) rows[k * stride] = static_cast<std::uint8_t>(x >> (8U * k));
}

}  // namespace edgeloop::detail
