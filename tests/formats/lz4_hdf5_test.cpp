#include "edgeloop/formats/lz4_hdf5.hpp"

#include <gtest/gtest.h>

#include <random>

namespace edgeloop::formats {
namespace {

std::vector<std::byte> compressible(std::size_t size) {
  std::vector<std::byte> data(size);
  for (std::size_t i = 0; i < size; ++i) data[i] = static_cast<std::byte>((i / 7) % 13);
  return data;
}

std::vector<std::byte> noise(std::size_t size, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::byte> data(size);
  for (auto& b : data) b = static_cast<std::byte>(rng() & 0xffu);
  return data;
}

std::vector<std::byte> round_trip(const std::vector<std::byte>& data, std::size_t block) {
  const auto chunk = lz4_hdf5_compress(data, block);
  EXPECT_EQ(lz4_hdf5_uncompressed_size(chunk), data.size());
  std::vector<std::byte> out(data.size());
  lz4_hdf5_decompress(chunk, out);
  return out;
}

std::uint64_t be(const std::vector<std::byte>& b, std::size_t at, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v = (v << 8) | static_cast<std::uint8_t>(b[at + i]);
  return v;
}

TEST(Lz4Hdf5, WritesTheHdf5FilterFraming) {
  const auto data = compressible(10000);
  const auto chunk = lz4_hdf5_compress(data, 4096);
  EXPECT_EQ(be(chunk, 0, 8), 10000u);  // big-endian uncompressed size
  EXPECT_EQ(be(chunk, 8, 4), 4096u);   // big-endian block size
  // Three blocks (4096, 4096, 1808), each behind its big-endian length.
  std::size_t at = 12;
  for (int block = 0; block < 3; ++block) {
    ASSERT_LE(at + 4, chunk.size());
    at += 4 + be(chunk, at, 4);
  }
  EXPECT_EQ(at, chunk.size());
  EXPECT_LT(chunk.size(), data.size() / 4);
}

TEST(Lz4Hdf5, RoundTripsAnyBlockSizeAndIncompressibleData) {
  for (const std::size_t size : {0u, 1u, 15u, 4096u, 10000u, 100003u}) {
    for (const std::size_t block : {0u, 1u, 64u, 4096u, 65536u}) {
      if (block == 1 && size > 20000) continue;
      SCOPED_TRACE(std::to_string(size) + " bytes, blocks of " + std::to_string(block));
      EXPECT_EQ(round_trip(compressible(size), block), compressible(size));
      EXPECT_EQ(round_trip(noise(size, size), block), noise(size, size));
    }
  }
  // Blocks that do not shrink are stored as they are, as the HDF5 filter does.
  const auto random = noise(1000, 1);
  const auto chunk = lz4_hdf5_compress(random);
  EXPECT_EQ(be(chunk, 12, 4), 1000u);
  EXPECT_EQ(chunk.size(), 12u + 4 + 1000);
}

TEST(Lz4Hdf5, RefusesTruncatedChunksAndWrongSizes) {
  const auto data = compressible(5000);
  const auto chunk = lz4_hdf5_compress(data, 1024);
  std::vector<std::byte> out(data.size());
  for (std::size_t cut = 0; cut < chunk.size(); ++cut) {
    const std::vector<std::byte> prefix(chunk.begin(),
                                        chunk.begin() + static_cast<std::ptrdiff_t>(cut));
    EXPECT_THROW(lz4_hdf5_decompress(prefix, out), Lz4Hdf5Error) << "cut at " << cut;
  }
  std::vector<std::byte> wrong(data.size() + 1);
  EXPECT_THROW(lz4_hdf5_decompress(chunk, wrong), Lz4Hdf5Error);
  auto zero_block = chunk;
  for (std::size_t i = 8; i < 12; ++i) zero_block[i] = std::byte{0};
  EXPECT_THROW(lz4_hdf5_decompress(zero_block, out), Lz4Hdf5Error);
  auto huge_block = chunk;
  for (std::size_t i = 8; i < 12; ++i) huge_block[i] = std::byte{0xff};
  EXPECT_THROW(lz4_hdf5_decompress(huge_block, out), Lz4Hdf5Error);
}

TEST(Lz4Hdf5, CorruptChunksNeverWriteOutsideTheOutput) {
  const auto data = compressible(3000);
  const auto chunk = lz4_hdf5_compress(data, 1000);
  std::size_t refused = 0;
  for (std::uint64_t seed = 0; seed < 3000; ++seed) {
    std::mt19937_64 rng(seed);
    auto bad = chunk;
    bad[12 + rng() % (bad.size() - 12)] = static_cast<std::byte>(rng() & 0xffu);
    std::vector<std::byte> out(data.size());
    try {
      lz4_hdf5_decompress(bad, out);
    } catch (const Lz4Hdf5Error&) {
      ++refused;
    }
  }
  EXPECT_GT(refused, 100u);
}

}  // namespace
}  // namespace edgeloop::formats
