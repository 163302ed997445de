#include "edgeloop/formats/bitshuffle_lz4.hpp"

#include <fmt/format.h>
#include <lz4.h>

#include <algorithm>
#include <bit>
#include <climits>
#include <cstring>
#include <string>

#include "big_endian.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#define EDGELOOP_BITSHUFFLE_SSE2 1
#endif

namespace edgeloop::formats {
namespace {

constexpr std::size_t kHeaderBytes = 12;
constexpr std::size_t kBlockHeaderBytes = 4;
// bitshuffle transposes groups of 8 elements; what does not fill a group is stored verbatim.
constexpr std::size_t kGroup = 8;
// bitshuffle's own constants for the default block; changing them breaks decoding of files
// written with block size 0, so they are fixed by the format, not tunable.
constexpr std::size_t kTargetBlockBytes = 8192;
constexpr std::size_t kMinBlockElements = 128;
// The LZ4 block API counts in int; the header's block size field is a uint32.
constexpr std::size_t kMaxBlockBytes = LZ4_MAX_INPUT_SIZE;

[[noreturn]] void fail(const std::string& message) {
  throw BitshuffleError("bitshuffle/LZ4: " + message);
}

std::uint64_t byteswap64(std::uint64_t v) {
  v = ((v & 0x00FF00FF00FF00FFULL) << 8U) | ((v >> 8U) & 0x00FF00FF00FF00FFULL);
  v = ((v & 0x0000FFFF0000FFFFULL) << 16U) | ((v >> 16U) & 0x0000FFFF0000FFFFULL);
  return (v << 32U) | (v >> 32U);
}

// The transposition kernels treat 8 bytes as a little-endian word: byte k is bits 8k..8k+7.
std::uint64_t load_le64(const std::byte* p) {
  std::uint64_t v = 0;
  std::memcpy(&v, p, sizeof v);
  if constexpr (std::endian::native == std::endian::big) v = byteswap64(v);
  return v;
}

void store_le64(std::byte* p, std::uint64_t v) {
  if constexpr (std::endian::native == std::endian::big) v = byteswap64(v);
  std::memcpy(p, &v, sizeof v);
}

std::uint64_t load_be64(const std::byte* p) {
  return (std::uint64_t{detail::load_be32(p)} << 32U) | detail::load_be32(p + 4);
}

void store_be64(std::byte* p, std::uint64_t v) {
  detail::store_be32(p, static_cast<std::uint32_t>(v >> 32U));
  detail::store_be32(p + 4, static_cast<std::uint32_t>(v));
}

// Transposes the 8x8 bit matrix whose row r is byte r: afterwards bit k of byte b is what bit
// b of byte k was. Three rounds of swapping off-diagonal blocks (1x1, 2x2, 4x4 bits).
constexpr std::uint64_t transpose_bits8x8(std::uint64_t x) {
  std::uint64_t t = (x ^ (x >> 7U)) & 0x00AA00AA00AA00AAULL;
  x ^= t ^ (t << 7U);
  t = (x ^ (x >> 14U)) & 0x0000CCCC0000CCCCULL;
  x ^= t ^ (t << 14U);
  t = (x ^ (x >> 28U)) & 0x00000000F0F0F0F0ULL;
  x ^= t ^ (t << 28U);
  return x;
}

// The output of a block of n elements of s bytes is 8s bit rows of n/8 bytes: row 8j+b holds
// bit b of byte j of every element, element i at bit i%8 of byte i/8. The portable kernels
// walk one group of 8 elements and one byte plane at a time. S is the element size when known
// at compile time (so the strides are constants), 0 for any other size.
template <std::size_t S>
void transpose_portable(const std::byte* in, std::byte* out, std::size_t n, std::size_t s) {
  const std::size_t stride = S != 0 ? S : s;
  const std::size_t row = n / kGroup;
  for (std::size_t j = 0; j < stride; ++j) {
    std::byte* rows = out + j * n;
    for (std::size_t g = 0; g < row; ++g) {
      const std::byte* e = in + g * kGroup * stride + j;
      std::uint64_t x = 0;
      for (unsigned k = 0; k < kGroup; ++k) {
        x |= std::to_integer<std::uint64_t>(e[k * stride]) << (8U * k);
      }
      x = transpose_bits8x8(x);
      for (unsigned b = 0; b < kGroup; ++b)
        rows[b * row + g] = static_cast<std::byte>(x >> (8U * b));
    }
  }
}

template <std::size_t S>
void untranspose_portable(const std::byte* in, std::byte* out, std::size_t n, std::size_t s) {
  const std::size_t stride = S != 0 ? S : s;
  const std::size_t row = n / kGroup;
  for (std::size_t j = 0; j < stride; ++j) {
    const std::byte* rows = in + j * n;
    for (std::size_t g = 0; g < row; ++g) {
      std::uint64_t x = 0;
      for (unsigned b = 0; b < kGroup; ++b) {
        x |= std::to_integer<std::uint64_t>(rows[b * row + g]) << (8U * b);
      }
      x = transpose_bits8x8(x);
      std::byte* e = out + g * kGroup * stride + j;
      for (unsigned k = 0; k < kGroup; ++k) e[k * stride] = static_cast<std::byte>(x >> (8U * k));
    }
  }
}

void transpose_portable_any(const std::byte* in, std::byte* out, std::size_t n, std::size_t s) {
  switch (s) {
    case 1:
      return transpose_portable<1>(in, out, n, s);
    case 2:
      return transpose_portable<2>(in, out, n, s);
    case 4:
      return transpose_portable<4>(in, out, n, s);
    case 8:
      return transpose_portable<8>(in, out, n, s);
    default:
      return transpose_portable<0>(in, out, n, s);
  }
}

void untranspose_portable_any(const std::byte* in, std::byte* out, std::size_t n, std::size_t s) {
  switch (s) {
    case 1:
      return untranspose_portable<1>(in, out, n, s);
    case 2:
      return untranspose_portable<2>(in, out, n, s);
    case 4:
      return untranspose_portable<4>(in, out, n, s);
    case 8:
      return untranspose_portable<8>(in, out, n, s);
    default:
      return untranspose_portable<0>(in, out, n, s);
  }
}

#if defined(EDGELOOP_BITSHUFFLE_SSE2)
// The SSE2 kernels lean on movemask, which gathers the top bit of 16 bytes at once. The forward
// one splits the elements into byte planes (plane j holds byte j of every element, contiguous;
// a scratch of n*s bytes when s > 1), then turns each plane into its 8 bit rows.

__m128i load128(const std::byte* p) {
  return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
}

void store128(std::byte* p, __m128i v) {
  _mm_storeu_si128(reinterpret_cast<__m128i*>(p), v);
}

// Even bytes of a then b, and odd bytes of a then b.
void split_bytes(__m128i a, __m128i b, __m128i& even, __m128i& odd) {
  const __m128i low = _mm_set1_epi16(0x00FF);
  even = _mm_packus_epi16(_mm_and_si128(a, low), _mm_and_si128(b, low));
  odd = _mm_packus_epi16(_mm_srli_epi16(a, 8), _mm_srli_epi16(b, 8));
}

// 16 elements of S bytes in v[0..S) to their S byte planes: the even bytes of each element form
// elements of S/2 bytes holding bytes 0, 2, 4..., the odd ones bytes 1, 3, 5...
template <std::size_t S>
void split_planes16(const __m128i* v, __m128i* planes) {
  if constexpr (S == 1) {
    planes[0] = v[0];
  } else {
    __m128i even[S / 2];
    __m128i odd[S / 2];
    for (std::size_t t = 0; t < S / 2; ++t) split_bytes(v[2 * t], v[2 * t + 1], even[t], odd[t]);
    __m128i even_planes[S / 2];
    __m128i odd_planes[S / 2];
    split_planes16<S / 2>(even, even_planes);
    split_planes16<S / 2>(odd, odd_planes);
    for (std::size_t q = 0; q < S / 2; ++q) {
      planes[2 * q] = even_planes[q];
      planes[2 * q + 1] = odd_planes[q];
    }
  }
}

template <std::size_t S>
void split_planes(const std::byte* in, std::byte* planes, std::size_t n) {
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m128i v[S];
    __m128i p[S];
    for (std::size_t t = 0; t < S; ++t) v[t] = load128(in + i * S + 16 * t);
    split_planes16<S>(v, p);
    for (std::size_t j = 0; j < S; ++j) store128(planes + j * n + i, p[j]);
  }
  for (; i < n; ++i) {
    for (std::size_t j = 0; j < S; ++j) planes[j * n + i] = in[i * S + j];
  }
}

void split_planes_any(const std::byte* in, std::byte* planes, std::size_t n, std::size_t s) {
  switch (s) {
    case 2:
      return split_planes<2>(in, planes, n);
    case 4:
      return split_planes<4>(in, planes, n);
    case 8:
      return split_planes<8>(in, planes, n);
    default:
      for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t j = 0; j < s; ++j) planes[j * n + i] = in[i * s + j];
      }
  }
}

void store16(std::byte* p, unsigned v) {
  const auto value = static_cast<std::uint16_t>(v);
  std::memcpy(p, &value, sizeof value);  // SSE2 implies a little-endian machine
}

// One plane of n bytes to its 8 bit rows of n/8 bytes (rows[b * n/8 ...] is bit b).
void plane_to_rows(const std::byte* plane, std::byte* rows, std::size_t n) {
  const std::size_t row = n / kGroup;
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m128i v = load128(plane + i);
    // movemask takes the top bit of each byte; doubling each byte brings the next bit up.
    for (std::size_t b = kGroup; b-- > 0;) {
      store16(rows + b * row + i / kGroup, static_cast<unsigned>(_mm_movemask_epi8(v)));
      v = _mm_add_epi8(v, v);
    }
  }
  if (i < n) {
    const std::uint64_t x = transpose_bits8x8(load_le64(plane + i));
    for (unsigned b = 0; b < kGroup; ++b) {
      rows[b * row + i / kGroup] = static_cast<std::byte>(x >> (8U * b));
    }
  }
}

// The inverse goes through groups instead of planes: first the 8s rows of n/8 bytes become n/8
// groups of 8s bytes (groups[g * 8s + r] = row r's byte g, a byte matrix transpose done on 8x16
// tiles with unpacks), then each group's 8 rows of planes j and j + 1 sit in one vector, where
// a movemask yields bytes j and j + 1 of one element at once.
void rows_to_groups(const std::byte* rows, std::byte* groups, std::size_t n, std::size_t s) {
  const std::size_t m = n / kGroup;
  const std::size_t width = kGroup * s;
  for (std::size_t r0 = 0; r0 < width; r0 += kGroup) {
    std::size_t g = 0;
    for (; g + 16 <= m; g += 16) {
      __m128i a[8];
      for (std::size_t b = 0; b < 8; ++b) a[b] = load128(rows + (r0 + b) * m + g);
      __m128i l[8];
      for (std::size_t t = 0; t < 4; ++t) {
        l[2 * t] = _mm_unpacklo_epi8(a[2 * t], a[2 * t + 1]);
        l[2 * t + 1] = _mm_unpackhi_epi8(a[2 * t], a[2 * t + 1]);
      }
      // l[0..3]: rows 0-3 (columns 0-7, 8-15); l[4..7]: rows 4-7.
      const __m128i q[8] = {
          _mm_unpacklo_epi16(l[0], l[2]), _mm_unpackhi_epi16(l[0], l[2]),
          _mm_unpacklo_epi16(l[1], l[3]), _mm_unpackhi_epi16(l[1], l[3]),
          _mm_unpacklo_epi16(l[4], l[6]), _mm_unpackhi_epi16(l[4], l[6]),
          _mm_unpacklo_epi16(l[5], l[7]), _mm_unpackhi_epi16(l[5], l[7]),
      };
      // q[c] for c < 4: rows 0-3 of columns 4c..4c+3; q[4 + c]: rows 4-7 of the same columns.
      for (std::size_t c = 0; c < 4; ++c) {
        const __m128i pairs[2] = {_mm_unpacklo_epi32(q[c], q[4 + c]),
                                  _mm_unpackhi_epi32(q[c], q[4 + c])};
        for (std::size_t h = 0; h < 2; ++h) {
          // Columns g + 4c + 2h and the next, 8 rows each.
          std::byte* first = groups + (g + 4 * c + 2 * h) * width + r0;
          _mm_storel_epi64(reinterpret_cast<__m128i*>(first), pairs[h]);
          _mm_storel_epi64(reinterpret_cast<__m128i*>(first + width), _mm_srli_si128(pairs[h], 8));
        }
      }
    }
    for (; g < m; ++g) {
      for (std::size_t b = 0; b < kGroup; ++b) groups[g * width + r0 + b] = rows[(r0 + b) * m + g];
    }
  }
}

void groups_to_elements(const std::byte* groups, std::byte* out, std::size_t n, std::size_t s) {
  const std::size_t m = n / kGroup;
  const std::size_t width = kGroup * s;
  for (std::size_t g = 0; g < m; ++g) {
    const std::byte* group = groups + g * width;
    std::byte* elements = out + g * width;
    if (s == 1) {
      store_le64(elements, transpose_bits8x8(load_le64(group)));
      continue;
    }
    std::size_t j = 0;
    for (; j + 2 <= s; j += 2) {
      __m128i v = load128(group + kGroup * j);
      for (std::size_t k = kGroup; k-- > 0;) {
        store16(elements + k * s + j, static_cast<unsigned>(_mm_movemask_epi8(v)));
        v = _mm_add_epi8(v, v);
      }
    }
    if (j < s) {
      const std::uint64_t x = transpose_bits8x8(load_le64(group + kGroup * j));
      for (unsigned k = 0; k < kGroup; ++k) {
        elements[k * s + j] = static_cast<std::byte>(x >> (8U * k));
      }
    }
  }
}

void transpose_sse2(const std::byte* in, std::byte* out, std::size_t n, std::size_t s,
                    std::byte* planes) {
  if (s == 1) return plane_to_rows(in, out, n);
  split_planes_any(in, planes, n, s);
  for (std::size_t j = 0; j < s; ++j) plane_to_rows(planes + j * n, out + j * n, n);
}

void untranspose_sse2(const std::byte* in, std::byte* out, std::size_t n, std::size_t s,
                      std::byte* groups) {
  rows_to_groups(in, groups, n, s);
  groups_to_elements(groups, out, n, s);
}
#endif

// `scratch` holds n*s bytes for the SIMD kernels (byte planes forward, groups backward).
void transpose_block(const std::byte* in, std::byte* out, std::size_t n, std::size_t s,
                     std::byte* scratch, BitshuffleKernel kernel) {
#if defined(EDGELOOP_BITSHUFFLE_SSE2)
  if (kernel == BitshuffleKernel::kBest) return transpose_sse2(in, out, n, s, scratch);
#else
  (void)scratch;
  (void)kernel;
#endif
  transpose_portable_any(in, out, n, s);
}

void untranspose_block(const std::byte* in, std::byte* out, std::size_t n, std::size_t s,
                       std::byte* scratch, BitshuffleKernel kernel) {
#if defined(EDGELOOP_BITSHUFFLE_SSE2)
  if (kernel == BitshuffleKernel::kBest) return untranspose_sse2(in, out, n, s, scratch);
#else
  (void)scratch;
  (void)kernel;
#endif
  untranspose_portable_any(in, out, n, s);
}

void check_element_size(std::size_t element_size) {
  if (element_size == 0) fail("element size 0");
}

// The block size in elements that a chunk uses, validated so that its bytes fit the header
// field and the LZ4 API.
std::size_t resolve_block(std::size_t element_size, std::size_t block_elements) {
  const std::size_t block =
      block_elements == 0 ? bitshuffle_default_block_elements(element_size) : block_elements;
  if (block % kGroup != 0) fail(fmt::format("block of {} elements, not a multiple of 8", block));
  if (block > kMaxBlockBytes / element_size) {
    fail(fmt::format("block of {} elements of {} bytes is too large", block, element_size));
  }
  return block;
}

// How a chunk of `elements` splits: full blocks, one shorter block (a multiple of 8 elements)
// and fewer than 8 elements stored verbatim.
struct Layout {
  std::size_t block = 0;
  std::size_t full_blocks = 0;
  std::size_t last_block = 0;
  std::size_t verbatim = 0;
};

Layout layout_of(std::size_t elements, std::size_t block) {
  const std::size_t rest = elements % block;
  return {block, elements / block, rest - rest % kGroup, rest % kGroup};
}

constexpr std::size_t lz4_bound(std::size_t bytes) {
  return bytes + bytes / 255 + 16;
}

const char* as_chars(const std::byte* p) {
  return reinterpret_cast<const char*>(p);
}

char* as_chars(std::byte* p) {
  return reinterpret_cast<char*>(p);
}

}  // namespace

std::size_t bitshuffle_default_block_elements(std::size_t element_size) {
  check_element_size(element_size);
  const std::size_t block = kTargetBlockBytes / element_size / kGroup * kGroup;
  return std::max(block, kMinBlockElements);
}

std::size_t bslz4_max_compressed_size(std::size_t bytes, std::size_t element_size) {
  return bslz4_max_compressed_size(bytes, element_size, 0);
}

std::size_t bslz4_max_compressed_size(std::size_t bytes, std::size_t element_size,
                                      std::size_t block_elements) {
  check_element_size(element_size);
  const Layout layout =
      layout_of(bytes / element_size, resolve_block(element_size, block_elements));
  std::size_t size = kHeaderBytes;
  size += layout.full_blocks * (kBlockHeaderBytes + lz4_bound(layout.block * element_size));
  if (layout.last_block != 0) {
    size += kBlockHeaderBytes + lz4_bound(layout.last_block * element_size);
  }
  return size + layout.verbatim * element_size + bytes % element_size;
}

std::size_t bslz4_compress(std::span<const std::byte> input, std::size_t element_size,
                           std::span<std::byte> output, std::size_t block_elements) {
  check_element_size(element_size);
  if (input.size() % element_size != 0) {
    fail(fmt::format("{} bytes are not a whole number of {}-byte elements", input.size(),
                     element_size));
  }
  const std::size_t block = resolve_block(element_size, block_elements);
  const std::size_t needed = bslz4_max_compressed_size(input.size(), element_size, block);
  if (output.size() < needed) {
    fail(fmt::format("output of {} bytes, {} needed", output.size(), needed));
  }
  const Layout layout = layout_of(input.size() / element_size, block);

  store_be64(output.data(), input.size());
  detail::store_be32(output.data() + 8, static_cast<std::uint32_t>(block * element_size));
  std::size_t position = kHeaderBytes;
  std::size_t consumed = 0;

  const std::size_t largest = layout.full_blocks != 0 ? block : layout.last_block;
  std::vector<std::byte> scratch(2 * largest * element_size);
  std::byte* const shuffled = scratch.data();
  std::byte* const kernel_scratch = scratch.data() + largest * element_size;
  const auto compress_block = [&](std::size_t elements) {
    const std::size_t bytes = elements * element_size;
    transpose_block(input.data() + consumed, shuffled, elements, element_size, kernel_scratch,
                    BitshuffleKernel::kBest);
    const int written = LZ4_compress_default(
        as_chars(shuffled), as_chars(output.data() + position + kBlockHeaderBytes),
        static_cast<int>(bytes), static_cast<int>(lz4_bound(bytes)));
    if (written <= 0) fail("LZ4_compress_default failed");
    detail::store_be32(output.data() + position, static_cast<std::uint32_t>(written));
    position += kBlockHeaderBytes + static_cast<std::size_t>(written);
    consumed += bytes;
  };
  for (std::size_t b = 0; b < layout.full_blocks; ++b) compress_block(block);
  if (layout.last_block != 0) compress_block(layout.last_block);

  const std::size_t verbatim = layout.verbatim * element_size;
  if (verbatim != 0) std::memcpy(output.data() + position, input.data() + consumed, verbatim);
  return position + verbatim;
}

std::vector<std::byte> bslz4_compress(std::span<const std::byte> input, std::size_t element_size,
                                      std::size_t block_elements) {
  std::vector<std::byte> chunk(
      bslz4_max_compressed_size(input.size(), element_size, block_elements));
  chunk.resize(bslz4_compress(input, element_size, chunk, block_elements));
  return chunk;
}

std::uint64_t bslz4_uncompressed_size(std::span<const std::byte> chunk) {
  if (chunk.size() < kHeaderBytes) {
    fail(fmt::format("chunk of {} bytes is shorter than its 12-byte header", chunk.size()));
  }
  return load_be64(chunk.data());
}

void bslz4_decompress(std::span<const std::byte> chunk, std::size_t element_size,
                      std::span<std::byte> output) {
  check_element_size(element_size);
  const std::uint64_t total = bslz4_uncompressed_size(chunk);
  if (total != output.size()) {
    fail(fmt::format("chunk holds {} bytes, output has room for {}", total, output.size()));
  }
  if (total % element_size != 0) {
    fail(fmt::format("chunk of {} bytes is not a whole number of {}-byte elements", total,
                     element_size));
  }
  const std::size_t block_bytes = detail::load_be32(chunk.data() + 8);
  if (block_bytes == 0 || block_bytes % element_size != 0 ||
      (block_bytes / element_size) % kGroup != 0 || block_bytes > kMaxBlockBytes) {
    fail(fmt::format("invalid block size of {} bytes for {}-byte elements", block_bytes,
                     element_size));
  }
  const Layout layout = layout_of(output.size() / element_size, block_bytes / element_size);

  // Sized by what the output can hold, never by the header alone, so a hostile block size
  // cannot make us allocate more than the caller's own buffer.
  const std::size_t largest = layout.full_blocks != 0 ? layout.block : layout.last_block;
  std::vector<std::byte> scratch(2 * largest * element_size);
  std::byte* const shuffled = scratch.data();
  std::byte* const kernel_scratch = scratch.data() + largest * element_size;
  std::size_t position = kHeaderBytes;
  std::size_t produced = 0;
  const auto decompress_block = [&](std::size_t elements) {
    const std::size_t bytes = elements * element_size;
    if (chunk.size() - position < kBlockHeaderBytes) {
      fail(fmt::format("chunk truncated at byte {} before a block header", position));
    }
    const std::size_t compressed = detail::load_be32(chunk.data() + position);
    position += kBlockHeaderBytes;
    if (compressed > chunk.size() - position || compressed > INT_MAX) {
      fail(fmt::format("block at byte {} claims {} compressed bytes, {} remain",
                       position - kBlockHeaderBytes, compressed, chunk.size() - position));
    }
    const int decoded = LZ4_decompress_safe(as_chars(chunk.data() + position), as_chars(shuffled),
                                            static_cast<int>(compressed), static_cast<int>(bytes));
    if (decoded < 0 || static_cast<std::size_t>(decoded) != bytes) {
      fail(fmt::format("block at byte {} does not decode to {} bytes", position - kBlockHeaderBytes,
                       bytes));
    }
    untranspose_block(shuffled, output.data() + produced, elements, element_size, kernel_scratch,
                      BitshuffleKernel::kBest);
    position += compressed;
    produced += bytes;
  };
  for (std::size_t b = 0; b < layout.full_blocks; ++b) decompress_block(layout.block);
  if (layout.last_block != 0) decompress_block(layout.last_block);

  const std::size_t verbatim = layout.verbatim * element_size;
  if (chunk.size() - position != verbatim) {
    fail(fmt::format("chunk has {} bytes after its blocks, {} expected", chunk.size() - position,
                     verbatim));
  }
  if (verbatim != 0) std::memcpy(output.data() + produced, chunk.data() + position, verbatim);
}

void bitshuffle_transpose(std::span<const std::byte> input, std::size_t element_size,
                          std::span<std::byte> output, BitshuffleKernel kernel) {
  check_element_size(element_size);
  if (input.size() != output.size() || input.size() % (kGroup * element_size) != 0) {
    fail(fmt::format("cannot transpose {} bytes into {} as groups of 8 {}-byte elements",
                     input.size(), output.size(), element_size));
  }
  std::vector<std::byte> scratch(element_size == 1 ? 0 : input.size());
  transpose_block(input.data(), output.data(), input.size() / element_size, element_size,
                  scratch.data(), kernel);
}

void bitshuffle_untranspose(std::span<const std::byte> input, std::size_t element_size,
                            std::span<std::byte> output, BitshuffleKernel kernel) {
  check_element_size(element_size);
  if (input.size() != output.size() || input.size() % (kGroup * element_size) != 0) {
    fail(fmt::format("cannot untranspose {} bytes into {} as groups of 8 {}-byte elements",
                     input.size(), output.size(), element_size));
  }
  std::vector<std::byte> scratch(input.size());
  untranspose_block(input.data(), output.data(), input.size() / element_size, element_size,
                    scratch.data(), kernel);
}

}  // namespace edgeloop::formats
