// A run stored with zstd chunks: the dataset declares the zstd filter (32015) with its level,
// reads back with plain H5Dread through edgeloop's registered filter, and refuses chunks that
// are not frames of the run.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "edgeloop/formats/h5_file.hpp"
#include "edgeloop/formats/zstd_hdf5.hpp"
#include "edgeloop/pipeline/storage/nexus_run_writer.hpp"
#include "edgeloop/testing/temp_dir.hpp"

namespace edgeloop::storage {
namespace {

constexpr std::uint32_t kRows = 33;
constexpr std::uint32_t kCols = 45;

std::vector<std::uint32_t> pixels(std::uint64_t frame) {
  std::vector<std::uint32_t> out(std::size_t{kRows} * kCols);
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<std::uint32_t>((frame * 31 + i % 11) + (i % 301 == 0 ? 1U << 30U : 0U));
  }
  return out;
}

NexusRunSpec zstd_spec(const testing::TempDir& dir) {
  NexusRunSpec spec;
  spec.path = dir / "zstd.nxs";
  spec.run.run_id = Uuid::random();
  spec.run.modality = "saxs";
  spec.run.definition = ApplicationDefinition::NXsas;
  spec.images = ImageLayout{.dtype = wire::DType::U32,
                            .rows = kRows,
                            .cols = kCols,
                            .codec = ChunkCodec::Zstd,
                            .zstd_level = 5};
  return spec;
}

FrameMeta meta_for(std::uint64_t frame) {
  FrameMeta meta;
  meta.sequence = frame;
  meta.scan_index = static_cast<std::int64_t>(frame);
  return meta;
}

TEST(NexusZstdChunks, FramesReadBackAndTheFilterIsDeclared) {
  const testing::TempDir dir;
  const auto spec = zstd_spec(dir);
  {
    NexusRunWriter writer(spec);
    for (std::uint64_t f = 0; f < 4; ++f) {
      const auto frame = pixels(f);
      writer.append_frame(meta_for(f),
                          formats::zstd_hdf5_compress(std::as_bytes(std::span(frame)), 5));
    }
    RunEnd end;
    end.summary = {{"state", "completed"}};
    writer.finish(end);
  }
  formats::register_zstd_hdf5_filter();
  const h5::Handle file(H5Fopen(spec.path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  ASSERT_TRUE(file.valid());
  const h5::Handle set(H5Dopen2(file.get(), "/entry/data/data", H5P_DEFAULT));
  ASSERT_TRUE(set.valid());
  const h5::Handle dcpl(H5Dget_create_plist(set.get()));
  ASSERT_EQ(H5Pget_nfilters(dcpl.get()), 1);
  std::array<unsigned, 4> values{};
  std::size_t count = values.size();
  unsigned flags = 0;
  EXPECT_EQ(H5Pget_filter2(dcpl.get(), 0, &flags, &count, values.data(), 0, nullptr, nullptr),
            static_cast<H5Z_filter_t>(formats::kZstdFilterId));
  EXPECT_EQ(count, 1U);
  EXPECT_EQ(values[0], 5U);

  std::vector<std::uint32_t> stored(4 * std::size_t{kRows} * kCols);
  ASSERT_GE(H5Dread(set.get(), H5T_NATIVE_UINT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, stored.data()), 0);
  for (std::uint64_t f = 0; f < 4; ++f) {
    const auto expected = pixels(f);
    EXPECT_TRUE(std::equal(expected.begin(), expected.end(),
                           stored.begin() + static_cast<std::ptrdiff_t>(f * expected.size())))
        << "frame " << f;
  }
}

TEST(NexusZstdChunks, RefusesChunksThatAreNotFramesOfTheRun) {
  const testing::TempDir dir;
  NexusRunWriter writer(zstd_spec(dir));
  const auto frame = pixels(0);
  const auto bytes = std::as_bytes(std::span(frame));
  // Too small a frame, not zstd at all, and raw pixels.
  EXPECT_THROW(writer.append_frame(meta_for(0), formats::zstd_hdf5_compress(bytes.first(100))),
               std::invalid_argument);
  EXPECT_THROW(writer.append_frame(meta_for(0), std::vector<std::byte>(40, std::byte{1})),
               std::invalid_argument);
  EXPECT_THROW(writer.append_frame(meta_for(0), bytes), std::invalid_argument);
  EXPECT_EQ(writer.append_frame(meta_for(0), formats::zstd_hdf5_compress(bytes)), 0U);
}

}  // namespace
}  // namespace edgeloop::storage
