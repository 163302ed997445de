#include "edgeloop/formats/bitshuffle_lz4.hpp"

#include <gtest/gtest.h>
#include <hdf5.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "edgeloop/formats/h5_file.hpp"
#include "edgeloop/testing/temp_dir.hpp"

namespace edgeloop::formats {
namespace {

using h5::Handle;

// Detector-like data: Poisson counts of mean 2, with (when `outliers`) one element in 16 a
// random large value so that every bit plane is exercised.
std::vector<std::byte> detector_bytes(std::size_t elements, std::size_t element_size, unsigned seed,
                                      bool outliers = true) {
  std::mt19937_64 rng(seed);
  std::poisson_distribution<unsigned> counts(2.0);
  std::uniform_int_distribution<unsigned> byte(0, 255);
  std::vector<std::byte> bytes(elements * element_size);
  for (std::size_t i = 0; i < elements; ++i) {
    std::uint64_t value = counts(rng);
    if (outliers && rng() % 16 == 0) value = rng();
    for (std::size_t j = 0; j < element_size; ++j) {
      bytes[i * element_size + j] =
          j < 8 ? static_cast<std::byte>(value >> (8 * j)) : static_cast<std::byte>(byte(rng));
    }
  }
  return bytes;
}

std::vector<std::byte> round_trip(std::span<const std::byte> input, std::size_t element_size,
                                  std::size_t block_elements) {
  const auto chunk = bslz4_compress(input, element_size, block_elements);
  EXPECT_LE(chunk.size(), bslz4_max_compressed_size(input.size(), element_size, block_elements));
  EXPECT_EQ(bslz4_uncompressed_size(chunk), input.size());
  std::vector<std::byte> output(input.size());
  bslz4_decompress(chunk, element_size, output);
  return output;
}

std::uint64_t be64(std::span<const std::byte> p) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8; ++i) v = (v << 8U) | std::to_integer<std::uint64_t>(p[i]);
  return v;
}

std::uint32_t be32(std::span<const std::byte> p) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i) v = (v << 8U) | std::to_integer<std::uint32_t>(p[i]);
  return v;
}

void put_be32(std::span<std::byte> p, std::uint32_t v) {
  for (std::size_t i = 0; i < 4; ++i) p[i] = static_cast<std::byte>(v >> (24 - 8 * i));
}

// The transposition by its definition: bit b of byte j of element i goes to row 8j + b, at
// bit i % 8 of the row's byte i / 8.
std::vector<std::byte> naive_transpose(std::span<const std::byte> in, std::size_t element_size) {
  const std::size_t n = in.size() / element_size;
  std::vector<std::byte> out(in.size());
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < element_size; ++j) {
      for (unsigned b = 0; b < 8; ++b) {
        if ((std::to_integer<unsigned>(in[i * element_size + j]) >> b & 1U) != 0) {
          out[(8 * j + b) * (n / 8) + i / 8] |= static_cast<std::byte>(1U << (i % 8));
        }
      }
    }
  }
  return out;
}

TEST(BitshuffleLz4, DefaultBlockFollowsBitshuffle) {
  EXPECT_EQ(bitshuffle_default_block_elements(1), 8192U);
  EXPECT_EQ(bitshuffle_default_block_elements(2), 4096U);
  EXPECT_EQ(bitshuffle_default_block_elements(4), 2048U);
  EXPECT_EQ(bitshuffle_default_block_elements(8), 1024U);
  EXPECT_EQ(bitshuffle_default_block_elements(3), 2728U);  // 2730 rounded down to 8
  EXPECT_EQ(bitshuffle_default_block_elements(16), 512U);
  EXPECT_EQ(bitshuffle_default_block_elements(64), 128U);
  EXPECT_EQ(bitshuffle_default_block_elements(128), 128U);  // never below 128
  EXPECT_EQ(bitshuffle_default_block_elements(1000), 128U);
  EXPECT_THROW(bitshuffle_default_block_elements(0), BitshuffleError);
}

TEST(BitshuffleLz4, HeaderHoldsSizeAndBlockBytes) {
  const auto input = detector_bytes(1000, 2, 1);
  const auto chunk = bslz4_compress(input, 2);
  ASSERT_GE(chunk.size(), 12U);
  EXPECT_EQ(be64(chunk), 2000U);
  EXPECT_EQ(be32(std::span(chunk).subspan(8)), 8192U);  // the nominal block, not the data
  const auto explicit_block = bslz4_compress(input, 2, 256);
  EXPECT_EQ(be32(std::span(explicit_block).subspan(8)), 512U);
  const auto u64 = bslz4_compress(detector_bytes(3, 8, 2), 8);
  EXPECT_EQ(be64(u64), 24U);
  EXPECT_EQ(be32(std::span(u64).subspan(8)), 8192U);
  EXPECT_EQ(u64.size(), 12U + 24U);  // fewer than 8 elements: all verbatim, no block
}

TEST(BitshuffleLz4, EmptyInputIsJustTheHeader) {
  const auto chunk = bslz4_compress({}, 4);
  ASSERT_EQ(chunk.size(), 12U);
  EXPECT_EQ(bslz4_uncompressed_size(chunk), 0U);
  bslz4_decompress(chunk, 4, {});
}

TEST(BitshuffleLz4, ChunkLayoutIsBlocksThenShortBlockThenVerbatimTail) {
  const std::size_t block = 4096;  // default for u16
  const std::size_t elements = 2 * block + 16 + 4;
  const auto input = detector_bytes(elements, 2, 3);
  const auto chunk = bslz4_compress(input, 2);
  std::size_t position = 12;
  std::size_t blocks = 0;
  while (chunk.size() - position > 8) {
    position += 4 + be32(std::span(chunk).subspan(position));
    ++blocks;
  }
  EXPECT_EQ(blocks, 3U);  // two full blocks and one of 16 elements
  ASSERT_EQ(chunk.size() - position, 8U);
  EXPECT_EQ(std::memcmp(chunk.data() + position, input.data() + input.size() - 8, 8), 0);
}

TEST(BitshuffleLz4, TransposeMatchesItsDefinition) {
  // Element i of 8 u16 has only bit 2i set: byte i / 4, bit 2i % 8, which is row 2i.
  std::vector<std::byte> one_bit(16);
  for (std::size_t i = 0; i < 8; ++i) {
    const auto value = static_cast<std::uint16_t>(1U << (2 * i));
    one_bit[2 * i] = static_cast<std::byte>(value & 0xFFU);
    one_bit[2 * i + 1] = static_cast<std::byte>(value >> 8U);
  }
  std::vector<std::byte> expected(16);
  for (std::size_t i = 0; i < 8; ++i) expected[2 * i] = static_cast<std::byte>(1U << i);
  for (const auto kernel : {BitshuffleKernel::kPortable, BitshuffleKernel::kBest}) {
    std::vector<std::byte> out(16);
    bitshuffle_transpose(one_bit, 2, out, kernel);
    EXPECT_EQ(out, expected);
  }

  for (const std::size_t element_size : {1U, 2U, 3U, 4U, 8U, 12U, 16U}) {
    for (const std::size_t elements : {8U, 16U, 24U, 40U, 128U, 136U, 1024U}) {
      const auto input = detector_bytes(elements, element_size, 7);
      const auto want = naive_transpose(input, element_size);
      for (const auto kernel : {BitshuffleKernel::kPortable, BitshuffleKernel::kBest}) {
        std::vector<std::byte> shuffled(input.size());
        bitshuffle_transpose(input, element_size, shuffled, kernel);
        ASSERT_EQ(shuffled, want) << element_size << "-byte elements, " << elements;
        std::vector<std::byte> back(input.size());
        bitshuffle_untranspose(shuffled, element_size, back, kernel);
        ASSERT_EQ(back, input) << element_size << "-byte elements, " << elements;
      }
    }
  }
  std::vector<std::byte> out(12);
  EXPECT_THROW(bitshuffle_transpose(std::vector<std::byte>(12), 2, out), BitshuffleError);
}

TEST(BitshuffleLz4, RoundTripsEveryShape) {
  for (const std::size_t element_size : {1U, 2U, 3U, 4U, 8U, 16U}) {
    const std::size_t block = bitshuffle_default_block_elements(element_size);
    const std::vector<std::size_t> counts{0,
                                          1,
                                          7,
                                          8,
                                          9,
                                          15,
                                          16,
                                          17,
                                          127,
                                          block - 8,
                                          block - 1,
                                          block,
                                          block + 1,
                                          block + 8,
                                          block + 9,
                                          3 * block,
                                          3 * block + 13};
    for (const std::size_t elements : counts) {
      for (const std::size_t block_elements : {0U, 8U, 64U, 256U, 4104U}) {
        const auto input = detector_bytes(elements, element_size, static_cast<unsigned>(elements));
        ASSERT_EQ(round_trip(input, element_size, block_elements), input)
            << element_size << "-byte elements, " << elements << " of them, block "
            << block_elements;
      }
    }
  }
}

TEST(BitshuffleLz4, CompressibleFramesShrink) {
  const auto frame = detector_bytes(256 * 256, 2, 11, false);
  const auto chunk = bslz4_compress(frame, 2);
  EXPECT_LT(chunk.size(), frame.size() / 3);
  const std::vector<std::byte> zeros(1 << 20);
  EXPECT_LT(bslz4_compress(zeros, 4).size(), zeros.size() / 100);
}

TEST(BitshuffleLz4, CompressRefusesWhatItCannotEncode) {
  const auto input = detector_bytes(100, 4, 5);
  EXPECT_THROW(bslz4_compress(input, 0), BitshuffleError);
  EXPECT_THROW(bslz4_compress(std::span(input).first(10), 4), BitshuffleError);
  EXPECT_THROW(bslz4_compress(input, 4, 12), BitshuffleError);  // not a multiple of 8
  EXPECT_THROW(bslz4_compress(input, 4, std::size_t{1} << 40), BitshuffleError);
  std::vector<std::byte> small(bslz4_max_compressed_size(input.size(), 4) - 1);
  EXPECT_THROW(bslz4_compress(input, 4, small), BitshuffleError);
}

std::vector<std::byte> sample_chunk() {
  // Three blocks of 64 elements, a short block of 16 and a 3-element tail.
  return bslz4_compress(detector_bytes(3 * 64 + 16 + 3, 2, 21), 2, 64);
}

TEST(BitshuffleLz4, TruncatedChunksThrow) {
  const auto chunk = sample_chunk();
  std::vector<std::byte> output(bslz4_uncompressed_size(chunk));
  for (std::size_t size = 0; size < chunk.size(); ++size) {
    const auto truncated = std::span(chunk).first(size);
    EXPECT_THROW(bslz4_decompress(truncated, 2, output), BitshuffleError) << size;
  }
  EXPECT_THROW(bslz4_uncompressed_size(std::span(chunk).first(11)), BitshuffleError);
}

TEST(BitshuffleLz4, InconsistentHeadersThrow) {
  const auto chunk = sample_chunk();
  const std::size_t size = bslz4_uncompressed_size(chunk);
  std::vector<std::byte> output(size);
  bslz4_decompress(chunk, 2, output);

  std::vector<std::byte> wrong(size + 2);
  EXPECT_THROW(bslz4_decompress(chunk, 2, wrong), BitshuffleError);
  EXPECT_THROW(bslz4_decompress(chunk, 2, std::span(output).first(size - 2)), BitshuffleError);
  EXPECT_THROW(bslz4_decompress(chunk, 4, output), BitshuffleError);  // 422 bytes: not u32s
  EXPECT_THROW(bslz4_decompress(chunk, 0, output), BitshuffleError);

  const auto with_block_bytes = [&](std::uint32_t bytes) {
    auto copy = chunk;
    put_be32(std::span(copy).subspan(8), bytes);
    return copy;
  };
  for (const std::uint32_t bytes : {0U, 1U, 3U, 8U, 130U, 0x7FFFFFF0U, 0xFFFFFFF0U}) {
    EXPECT_THROW(bslz4_decompress(with_block_bytes(bytes), 2, output), BitshuffleError) << bytes;
  }
  // A different but valid block size misreads the blocks: still an error, never a crash.
  EXPECT_THROW(bslz4_decompress(with_block_bytes(256), 2, output), BitshuffleError);

  auto oversized_block = chunk;
  put_be32(std::span(oversized_block).subspan(12), 0xFFFFFFFFU);
  EXPECT_THROW(bslz4_decompress(oversized_block, 2, output), BitshuffleError);
  auto short_block = chunk;
  put_be32(std::span(short_block).subspan(12), be32(std::span(chunk).subspan(12)) - 1);
  EXPECT_THROW(bslz4_decompress(short_block, 2, output), BitshuffleError);

  auto trailing = chunk;
  trailing.push_back(std::byte{0});
  EXPECT_THROW(bslz4_decompress(trailing, 2, output), BitshuffleError);
}

TEST(BitshuffleLz4, RandomCorruptionThrowsOrDecodesInBounds) {
  const auto chunk = sample_chunk();
  std::vector<std::byte> output(bslz4_uncompressed_size(chunk));
  std::size_t rejected = 0;
  for (unsigned seed = 0; seed < 3000; ++seed) {
    std::mt19937 rng(seed);
    auto corrupt = chunk;
    const unsigned flips = 1 + rng() % 4;
    for (unsigned f = 0; f < flips; ++f) {
      // Half of the flips hit the headers and size fields, where they do the most harm.
      const std::size_t at = rng() % 2 == 0 ? rng() % 24 : rng() % corrupt.size();
      corrupt[at] ^= static_cast<std::byte>(1U + rng() % 255);
    }
    try {
      bslz4_decompress(corrupt, 2, output);
    } catch (const BitshuffleError&) {
      ++rejected;
    }
  }
  // A flip inside literals decodes to other data; most flips must still be caught.
  EXPECT_GT(rejected, 1500U);

  // Garbage after a plausible header.
  for (unsigned seed = 0; seed < 2000; ++seed) {
    std::mt19937 rng(seed);
    std::vector<std::byte> garbage(12 + rng() % 200);
    for (auto& b : garbage) b = static_cast<std::byte>(rng());
    const std::size_t elements = rng() % 300;
    for (std::size_t i = 0; i < 8; ++i) {
      garbage[i] = static_cast<std::byte>(static_cast<std::uint64_t>(elements * 2) >> (56 - 8 * i));
    }
    put_be32(std::span(garbage).subspan(8), static_cast<std::uint32_t>(8 * (1 + rng() % 40) * 2));
    std::vector<std::byte> out(elements * 2);
    try {
      bslz4_decompress(garbage, 2, out);
    } catch (const BitshuffleError&) {
    }
  }
}

// ---- HDF5 ----

Handle create_dataset(hid_t file, const char* name, hid_t type, std::span<const hsize_t> dims,
                      std::span<const unsigned> cd_values) {
  Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr));
  Handle dcpl(H5Pcreate(H5P_DATASET_CREATE));
  std::vector<hsize_t> chunk(dims.begin(), dims.end());
  chunk[0] = 1;
  EXPECT_GE(H5Pset_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data()), 0);
  EXPECT_GE(H5Pset_filter(dcpl.get(), kBitshuffleFilterId, H5Z_FLAG_MANDATORY, cd_values.size(),
                          cd_values.data()),
            0);
  return Handle(H5Dcreate2(file, name, type, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT));
}

std::vector<unsigned> stored_cd_values(hid_t dataset) {
  Handle dcpl(H5Dget_create_plist(dataset));
  std::array<unsigned, 16> values{};
  std::size_t count = values.size();
  unsigned flags = 0;
  EXPECT_GE(H5Pget_filter_by_id2(dcpl.get(), kBitshuffleFilterId, &flags, &count, values.data(), 0,
                                 nullptr, nullptr),
            0);
  return {values.begin(), values.begin() + static_cast<std::ptrdiff_t>(count)};
}

std::vector<std::byte> read_raw_chunk(hid_t dataset, std::span<const hsize_t> offset) {
  hsize_t size = 0;
  EXPECT_GE(H5Dget_chunk_storage_size(dataset, offset.data(), &size), 0);
  std::vector<std::byte> chunk(size);
  std::uint32_t filters = 0;
  EXPECT_GE(H5Dread_chunk(dataset, H5P_DEFAULT, offset.data(), &filters, chunk.data()), 0);
  EXPECT_EQ(filters, 0U);
  return chunk;
}

TEST(BitshuffleHdf5Filter, RegistersOnceAndIsAvailable) {
  register_bitshuffle_hdf5_filter();
  register_bitshuffle_hdf5_filter();
  EXPECT_GT(H5Zfilter_avail(kBitshuffleFilterId), 0);
  unsigned config = 0;
  ASSERT_GE(H5Zget_filter_info(kBitshuffleFilterId, &config), 0);
  EXPECT_NE(config & H5Z_FILTER_CONFIG_ENCODE_ENABLED, 0U);
  EXPECT_NE(config & H5Z_FILTER_CONFIG_DECODE_ENABLED, 0U);
  EXPECT_EQ(bitshuffle_hdf5_cd_values(2), (std::vector<unsigned>{0, 4, 2, 0, 2}));
}

TEST(BitshuffleHdf5Filter, DirectChunksReadBackWithPlainH5Dread) {
  register_bitshuffle_hdf5_filter();
  testing::TempDir dir;
  const auto path = (dir / "direct.h5").string();
  Handle file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
  ASSERT_TRUE(file.valid());

  struct Case {
    const char* name;
    hid_t type;
    std::size_t element_size;
    std::array<hsize_t, 3> dims;
    std::size_t block;
  };
  const std::array<Case, 4> cases{{{"u16", H5T_NATIVE_UINT16, 2, {3, 64, 80}, 0},
                                   {"u32_odd", H5T_NATIVE_UINT32, 4, {2, 37, 53}, 0},
                                   {"u8_tiny", H5T_NATIVE_UINT8, 1, {2, 1, 5}, 0},
                                   {"u64_block", H5T_NATIVE_UINT64, 8, {2, 33, 17}, 64}}};
  for (const auto& c : cases) {
    const std::array<unsigned, 2> options{static_cast<unsigned>(c.block), 2};
    const Handle set = create_dataset(file.get(), c.name, c.type, c.dims, options);
    ASSERT_TRUE(set.valid()) << c.name;
    EXPECT_EQ(stored_cd_values(set.get()),
              (std::vector<unsigned>{0, 4, static_cast<unsigned>(c.element_size),
                                     static_cast<unsigned>(c.block), 2}));
    const std::size_t frame = static_cast<std::size_t>(c.dims[1] * c.dims[2]) * c.element_size;
    const auto data = detector_bytes(c.dims[0] * c.dims[1] * c.dims[2], c.element_size, 31);
    for (hsize_t f = 0; f < c.dims[0]; ++f) {
      const auto chunk =
          bslz4_compress(std::span(data).subspan(f * frame, frame), c.element_size, c.block);
      const std::array<hsize_t, 3> offset{f, 0, 0};
      ASSERT_GE(
          H5Dwrite_chunk(set.get(), H5P_DEFAULT, 0, offset.data(), chunk.size(), chunk.data()), 0);
    }
    ASSERT_GE(H5Fflush(file.get(), H5F_SCOPE_LOCAL), 0);
    std::vector<std::byte> back(data.size());
    ASSERT_GE(H5Dread(set.get(), c.type, H5S_ALL, H5S_ALL, H5P_DEFAULT, back.data()), 0);
    EXPECT_EQ(back, data) << c.name;
  }
}

TEST(BitshuffleHdf5Filter, LibraryWritesTheCodecsBytes) {
  register_bitshuffle_hdf5_filter();
  testing::TempDir dir;
  const auto path = (dir / "filtered.h5").string();
  Handle file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
  const std::array<hsize_t, 3> dims{2, 256, 256};
  const std::size_t frame = 256 * 256 * 2;
  const auto data = detector_bytes(2 * 256 * 256, 2, 41);

  const std::array<unsigned, 2> hdf5plugin_options{0, 2};
  const std::array<unsigned, 2> small_blocks{256, 2};
  const auto full_layout = bitshuffle_hdf5_cd_values(2);
  const std::array<std::pair<const char*, std::span<const unsigned>>, 3> variants{
      {{"default", hdf5plugin_options}, {"block256", small_blocks}, {"full", full_layout}}};
  for (const auto& [name, cd_values] : variants) {
    const Handle set = create_dataset(file.get(), name, H5T_NATIVE_UINT16, dims, cd_values);
    ASSERT_TRUE(set.valid()) << name;
    ASSERT_GE(H5Dwrite(set.get(), H5T_NATIVE_UINT16, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()),
              0);
    ASSERT_GE(H5Fflush(file.get(), H5F_SCOPE_LOCAL), 0);
    const std::size_t block = std::string_view(name) == "block256" ? 256 : 0;
    for (hsize_t f = 0; f < 2; ++f) {
      const std::array<hsize_t, 3> offset{f, 0, 0};
      EXPECT_EQ(read_raw_chunk(set.get(), offset),
                bslz4_compress(std::span(data).subspan(f * frame, frame), 2, block))
          << name << " frame " << f;
    }
    std::vector<std::byte> back(data.size());
    ASSERT_GE(H5Dread(set.get(), H5T_NATIVE_UINT16, H5S_ALL, H5S_ALL, H5P_DEFAULT, back.data()), 0);
    EXPECT_EQ(back, data) << name;
  }
}

TEST(BitshuffleHdf5Filter, ShufflesWithoutCompressionWhenAskedTo) {
  register_bitshuffle_hdf5_filter();
  testing::TempDir dir;
  const auto path = (dir / "shuffle_only.h5").string();
  Handle file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
  const std::array<hsize_t, 3> dims{1, 37, 53};
  const auto data = detector_bytes(37 * 53, 2, 71);
  for (const std::size_t block : {0U, 256U}) {
    const std::array<unsigned, 2> options{static_cast<unsigned>(block), 0};
    const auto name = "none" + std::to_string(block);
    const Handle set = create_dataset(file.get(), name.c_str(), H5T_NATIVE_UINT16, dims, options);
    ASSERT_TRUE(set.valid());
    EXPECT_EQ(stored_cd_values(set.get()),
              (std::vector<unsigned>{0, 4, 2, static_cast<unsigned>(block), 0}));
    ASSERT_GE(H5Dwrite(set.get(), H5T_NATIVE_UINT16, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()),
              0);
    ASSERT_GE(H5Fflush(file.get(), H5F_SCOPE_LOCAL), 0);
    // Whole blocks, then a block of the remaining multiple of 8, then 1961 % 8 = 1 verbatim.
    const std::size_t per_block = block == 0 ? 4096 : block;
    std::vector<std::byte> expected(data.size());
    std::size_t done = 0;
    for (std::size_t left = 37 * 53; left >= 8; left -= std::min(left, per_block) / 8 * 8) {
      const std::size_t bytes = std::min(left, per_block) / 8 * 8 * 2;
      bitshuffle_transpose(std::span(data).subspan(done, bytes), 2,
                           std::span(expected).subspan(done, bytes));
      done += bytes;
    }
    ASSERT_EQ(data.size() - done, 2U);
    std::copy(data.end() - 2, data.end(), expected.end() - 2);
    const std::array<hsize_t, 3> offset{0, 0, 0};
    EXPECT_EQ(read_raw_chunk(set.get(), offset), expected) << name;
    std::vector<std::byte> back(data.size());
    ASSERT_GE(H5Dread(set.get(), H5T_NATIVE_UINT16, H5S_ALL, H5S_ALL, H5P_DEFAULT, back.data()), 0);
    EXPECT_EQ(back, data) << name;
  }
}

// Keeps HDF5 from printing its error stack for failures the test provokes on purpose.
class QuietHdf5 {
 public:
  QuietHdf5() {
    H5Eget_auto2(H5E_DEFAULT, &function_, &data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  QuietHdf5(const QuietHdf5&) = delete;
  QuietHdf5& operator=(const QuietHdf5&) = delete;
  ~QuietHdf5() { H5Eset_auto2(H5E_DEFAULT, function_, data_); }

 private:
  H5E_auto2_t function_ = nullptr;
  void* data_ = nullptr;
};

TEST(BitshuffleHdf5Filter, RefusesZstdOddBlocksAndCorruptChunks) {
  register_bitshuffle_hdf5_filter();
  testing::TempDir dir;
  const auto path = (dir / "bad.h5").string();
  Handle file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
  const QuietHdf5 quiet;
  const std::array<hsize_t, 2> dims{1, 64};
  const std::array<unsigned, 3> zstd{0, 3, 3};
  EXPECT_FALSE(create_dataset(file.get(), "zstd", H5T_NATIVE_UINT16, dims, zstd).valid());
  const std::array<unsigned, 2> odd_block{12, 2};
  EXPECT_FALSE(create_dataset(file.get(), "odd", H5T_NATIVE_UINT16, dims, odd_block).valid());

  const std::array<unsigned, 2> options{0, 2};
  const Handle set = create_dataset(file.get(), "corrupt", H5T_NATIVE_UINT16, dims, options);
  ASSERT_TRUE(set.valid());
  const auto data = detector_bytes(64, 2, 51);
  auto chunk = bslz4_compress(data, 2);
  chunk[14] ^= std::byte{0x40};  // the first block's compressed size
  const std::array<hsize_t, 2> offset{0, 0};
  ASSERT_GE(H5Dwrite_chunk(set.get(), H5P_DEFAULT, 0, offset.data(), chunk.size(), chunk.data()),
            0);
  std::vector<std::byte> back(data.size());
  EXPECT_LT(H5Dread(set.get(), H5T_NATIVE_UINT16, H5S_ALL, H5S_ALL, H5P_DEFAULT, back.data()), 0);
}

// Throughput figures for the record, not a pass/fail check:
//   ctest ... or build-*/tests/formats/formats_bitshuffle_lz4_test
//   --gtest_also_run_disabled_tests --gtest_filter='*Throughput*'
TEST(BitshuffleLz4, DISABLED_Throughput) {
  const auto measure = [](const char* what, std::span<const std::byte> frame,
                          std::size_t element_size) {
    const auto chunk = bslz4_compress(frame, element_size);
    std::vector<std::byte> out(frame.size());
    std::vector<std::byte> buffer(bslz4_max_compressed_size(frame.size(), element_size));
    const auto megabytes = static_cast<double>(frame.size()) / 1e6;
    const auto rate = [&](auto&& work) {
      int repeats = 0;
      const auto start = std::chrono::steady_clock::now();
      std::chrono::duration<double> elapsed{};
      do {
        work();
        ++repeats;
        elapsed = std::chrono::steady_clock::now() - start;
      } while (elapsed.count() < 1.0);
      return megabytes * repeats / elapsed.count();
    };
    const double compress = rate([&] { (void)bslz4_compress(frame, element_size, buffer); });
    const double decompress = rate([&] { bslz4_decompress(chunk, element_size, out); });
    std::vector<std::byte> shuffled(frame.size() - frame.size() % (8 * element_size));
    const auto whole = frame.first(shuffled.size());
    const double transpose =
        rate([&] { bitshuffle_transpose(whole, element_size, shuffled, BitshuffleKernel::kBest); });
    const double portable = rate(
        [&] { bitshuffle_transpose(whole, element_size, shuffled, BitshuffleKernel::kPortable); });
    std::printf(
        "%s: ratio %.2f, compress %.0f MB/s, decompress %.0f MB/s, transpose alone %.0f MB/s "
        "(portable kernel %.0f MB/s)\n",
        what, static_cast<double>(frame.size()) / static_cast<double>(chunk.size()), compress,
        decompress, transpose, portable);
  };
  const auto small = detector_bytes(256 * 256, 2, 61, false);
  measure("256x256 u16", small, 2);
  const auto large = detector_bytes(1024 * 1024, 4, 62, false);
  measure("1024x1024 u32", large, 4);
}

}  // namespace
}  // namespace edgeloop::formats
