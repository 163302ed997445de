#include "edgeloop/formats/zstd_hdf5.hpp"

#include <gtest/gtest.h>
#include <hdf5.h>

#include <array>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "edgeloop/formats/h5_file.hpp"
#include "edgeloop/testing/temp_dir.hpp"

namespace edgeloop::formats {
namespace {

using h5::Handle;

// Detector-like 16-bit counts: compressible, with a few hot pixels.
std::vector<std::byte> counts(std::size_t pixels, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::poisson_distribution<int> dist(2.0);
  std::vector<std::byte> bytes(pixels * 2);
  for (std::size_t i = 0; i < pixels; ++i) {
    const auto v =
        static_cast<std::uint16_t>(rng() % 50 == 0 ? rng() : static_cast<std::uint64_t>(dist(rng)));
    bytes[2 * i] = static_cast<std::byte>(v);
    bytes[2 * i + 1] = static_cast<std::byte>(v >> 8U);
  }
  return bytes;
}

std::vector<std::byte> noise(std::size_t size, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::byte> data(size);
  for (auto& b : data) b = static_cast<std::byte>(rng());
  return data;
}

std::vector<std::byte> decode(std::span<const std::byte> chunk) {
  std::vector<std::byte> out(zstd_hdf5_uncompressed_size(chunk));
  zstd_hdf5_decompress(chunk, out);
  return out;
}

TEST(ZstdHdf5, RoundTripsAnySizeAndLevel) {
  for (const std::size_t pixels : {0U, 1U, 7U, 4096U, 100003U, 512U * 512U}) {
    for (const int level : {-5, 1, 3, 9, 19, 100}) {
      SCOPED_TRACE(std::to_string(pixels) + " pixels at level " + std::to_string(level));
      const auto data = counts(pixels, pixels + 1);
      const auto chunk = zstd_hdf5_compress(data, level);
      EXPECT_LE(chunk.size(), zstd_hdf5_max_compressed_size(data.size()));
      EXPECT_EQ(zstd_hdf5_uncompressed_size(chunk), data.size());
      EXPECT_EQ(decode(chunk), data);
    }
  }
  const auto random = noise(70001, 9);
  EXPECT_EQ(decode(zstd_hdf5_compress(random)), random);
}

TEST(ZstdHdf5, ChunkIsOneStandardFrame) {
  const auto data = counts(256 * 256, 3);
  const auto chunk = zstd_hdf5_compress(data, 3);
  // The zstd frame magic, little-endian 0xFD2FB528.
  ASSERT_GE(chunk.size(), 4U);
  EXPECT_EQ(chunk[0], std::byte{0x28});
  EXPECT_EQ(chunk[1], std::byte{0xB5});
  EXPECT_EQ(chunk[2], std::byte{0x2F});
  EXPECT_EQ(chunk[3], std::byte{0xFD});
  EXPECT_LT(chunk.size(), data.size() / 2);
  // Higher levels compress at least about as well.
  EXPECT_LE(zstd_hdf5_compress(data, 19).size(), chunk.size() + chunk.size() / 50);
}

TEST(ZstdHdf5, CorruptChunksGiveClearErrors) {
  const auto data = counts(64 * 64, 5);
  const auto chunk = zstd_hdf5_compress(data);
  std::vector<std::byte> out(data.size());

  const auto message_of = [&](std::span<const std::byte> bad, std::span<std::byte> into) {
    try {
      zstd_hdf5_decompress(bad, into);
    } catch (const ZstdHdf5Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message_of({}, out).find("not a zstd frame"), std::string::npos);
  EXPECT_NE(message_of(std::span(chunk).first(3), out).find("zstd"), std::string::npos);
  EXPECT_NE(message_of(std::span(chunk).first(chunk.size() - 1), out).find("truncated"),
            std::string::npos);
  auto trailing = chunk;
  trailing.push_back(std::byte{0});
  EXPECT_NE(message_of(trailing, out).find("follow the frame"), std::string::npos);
  std::vector<std::byte> small(data.size() - 1);
  EXPECT_NE(message_of(chunk, small).find("room for"), std::string::npos);
  const auto text = std::as_bytes(std::span(std::string_view("certainly not zstd")));
  EXPECT_THROW((void)zstd_hdf5_uncompressed_size(text), ZstdHdf5Error);
  // The checksum catches a flipped bit in the compressed data.
  auto flipped = chunk;
  flipped[chunk.size() / 2] ^= std::byte{0x10};
  EXPECT_THROW(zstd_hdf5_decompress(flipped, out), ZstdHdf5Error);
}

TEST(ZstdHdf5, RandomDamageNeverEscapesTheSpans) {
  const auto data = counts(32 * 32, 6);
  const auto chunk = zstd_hdf5_compress(data);
  std::mt19937_64 rng(17);
  std::size_t refused = 0;
  for (int trial = 0; trial < 2000; ++trial) {
    auto bad = chunk;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) bad[rng() % bad.size()] = static_cast<std::byte>(rng());
    if (rng() % 4 == 0) bad.resize(rng() % bad.size());
    std::vector<std::byte> out(data.size());
    try {
      zstd_hdf5_decompress(bad, out);
      EXPECT_EQ(out, data);  // only an edit that changed nothing decodes
    } catch (const ZstdHdf5Error&) {
      ++refused;
    }
  }
  EXPECT_GT(refused, 1900U);
}

TEST(ZstdHdf5Filter, RegistersOnceAndIsAvailable) {
  register_zstd_hdf5_filter();
  register_zstd_hdf5_filter();
  EXPECT_GT(H5Zfilter_avail(kZstdFilterId), 0);
  EXPECT_EQ(zstd_hdf5_cd_values(3), (std::vector<unsigned>{3}));
}

// Direct chunk writes (what the storage writer does) read back with plain H5Dread, and chunks
// the library compresses itself through the filter are the codec's bytes.
TEST(ZstdHdf5Filter, DirectAndFilteredChunksReadBack) {
  register_zstd_hdf5_filter();
  testing::TempDir dir;
  const auto path = (dir / "zstd.h5").string();
  const Handle file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
  ASSERT_TRUE(file.valid());
  const std::array<hsize_t, 3> dims{3, 48, 50};
  const std::array<hsize_t, 3> chunk_dims{1, 48, 50};
  const std::size_t frame = 48 * 50 * 2;
  const auto data = counts(3 * 48 * 50, 8);
  const auto create = [&](const char* name) {
    const Handle space(H5Screate_simple(3, dims.data(), nullptr));
    const Handle dcpl(H5Pcreate(H5P_DATASET_CREATE));
    EXPECT_GE(H5Pset_chunk(dcpl.get(), 3, chunk_dims.data()), 0);
    const auto values = zstd_hdf5_cd_values(5);
    EXPECT_GE(
        H5Pset_filter(dcpl.get(), kZstdFilterId, H5Z_FLAG_OPTIONAL, values.size(), values.data()),
        0);
    return Handle(H5Dcreate2(file.get(), name, H5T_STD_U16LE, space.get(), H5P_DEFAULT, dcpl.get(),
                             H5P_DEFAULT));
  };

  const Handle direct = create("direct");
  ASSERT_TRUE(direct.valid());
  for (hsize_t f = 0; f < dims[0]; ++f) {
    const auto chunk = zstd_hdf5_compress(std::span(data).subspan(f * frame, frame), 5);
    const std::array<hsize_t, 3> offset{f, 0, 0};
    ASSERT_GE(
        H5Dwrite_chunk(direct.get(), H5P_DEFAULT, 0, offset.data(), chunk.size(), chunk.data()), 0);
  }
  const Handle filtered = create("filtered");
  ASSERT_TRUE(filtered.valid());
  ASSERT_GE(H5Dwrite(filtered.get(), H5T_NATIVE_UINT16, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()),
            0);
  ASSERT_GE(H5Fflush(file.get(), H5F_SCOPE_LOCAL), 0);
  for (const hid_t set : {direct.get(), filtered.get()}) {
    std::vector<std::byte> back(data.size());
    ASSERT_GE(H5Dread(set, H5T_NATIVE_UINT16, H5S_ALL, H5S_ALL, H5P_DEFAULT, back.data()), 0);
    EXPECT_EQ(back, data);
  }
  const std::array<hsize_t, 3> second{1, 0, 0};
  hsize_t stored = 0;
  ASSERT_GE(H5Dget_chunk_storage_size(filtered.get(), second.data(), &stored), 0);
  std::vector<std::byte> raw(stored);
  std::uint32_t mask = 0;
  ASSERT_GE(H5Dread_chunk(filtered.get(), H5P_DEFAULT, second.data(), &mask, raw.data()), 0);
  EXPECT_EQ(mask, 0U);
  EXPECT_EQ(decode(raw), std::vector<std::byte>(data.begin() + frame, data.begin() + 2 * frame));
}

}  // namespace
}  // namespace edgeloop::formats
