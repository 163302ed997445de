#include "edgeloop/formats/h5_file.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "edgeloop/testing/temp_dir.hpp"

namespace edgeloop::h5 {
namespace {

TEST(H5File, DatasetsRoundTripWithShapeAndParents) {
  testing::TempDir dir;
  const auto path = dir / "t.h5";
  {
    auto file = File::create(path);
    std::vector<double> big(64 * 48);
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = 0.5 * static_cast<double>(i);
    const std::array<std::size_t, 2> shape{48, 64};
    file.write<double>("/maps/deep/values", big, shape);  // compressed: above a few kB
    const std::vector<std::int8_t> small{-1, 0, 1, 2};
    file.write<std::int8_t>("/small", small);
    const std::vector<std::string> names{"hex-a", "square-b", ""};
    file.write_strings("/names", names);
  }
  const auto file = File::open_read_only(path);
  EXPECT_TRUE(file.exists("/maps/deep/values"));
  EXPECT_FALSE(file.exists("/maps/shallow/values"));
  EXPECT_EQ(file.shape("/maps/deep/values"), (std::vector<std::size_t>{48, 64}));
  const auto values = file.read<double>("/maps/deep/values");
  ASSERT_EQ(values.size(), 64U * 48U);
  EXPECT_EQ(values[1234], 617.0);
  EXPECT_EQ(file.read<std::int8_t>("/small"), (std::vector<std::int8_t>{-1, 0, 1, 2}));
  // Converted on read, as HDF5 does between numeric types.
  EXPECT_EQ(file.read<double>("/small"), (std::vector<double>{-1, 0, 1, 2}));
  EXPECT_EQ(file.read_strings("/names"), (std::vector<std::string>{"hex-a", "square-b", ""}));
}

TEST(H5File, LargeDatasetsAreChunkedInSmallPieces) {
  testing::TempDir dir;
  const auto path = dir / "big.h5";
  std::vector<std::uint16_t> big(2048 * 1024);
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<std::uint16_t>(i % 977);
  const std::array<std::size_t, 2> shape{2048, 1024};
  {
    auto file = File::create(path);
    file.write<std::uint16_t>("/frames", big, shape);
  }
  const auto file = File::open_read_only(path);
  EXPECT_EQ(file.read<std::uint16_t>("/frames"), big);
  Handle raw_file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  Handle dataset(H5Dopen2(raw_file.get(), "/frames", H5P_DEFAULT));
  ASSERT_TRUE(dataset.valid());
  Handle options(H5Dget_create_plist(dataset.get()));
  std::array<hsize_t, 2> chunk{};
  ASSERT_EQ(H5Pget_chunk(options.get(), 2, chunk.data()), 2);
  EXPECT_EQ(chunk[1], 1024U) << "whole rows";
  EXPECT_LE(chunk[0] * chunk[1] * sizeof(std::uint16_t), std::size_t{1} << 20);
}

TEST(H5File, AttributesOnGroupsAndDatasets) {
  testing::TempDir dir;
  const auto path = dir / "a.h5";
  {
    auto file = File::create(path);
    file.set_attribute("/", "instrument", std::string_view("saxs"));
    file.set_attribute("/geometry", "distance_m", 1.5);  // creates the group
    file.set_attribute("/geometry", "seed", std::int64_t{42});
    const std::vector<double> poni{0.1, 0.2};
    file.set_attribute("/geometry", "poni", std::span<const double>(poni));
    file.set_attribute("/geometry", "distance_m", 2.5);  // replaced, not duplicated
    const std::vector<float> data{1.0F};
    file.write<float>("/d", data);
    file.set_attribute("/d", "units", std::string_view("nm^-1"));
  }
  const auto file = File::open_read_only(path);
  EXPECT_EQ(file.string_attribute("/", "instrument"), "saxs");
  EXPECT_EQ(file.double_attribute("/geometry", "distance_m"), 2.5);
  EXPECT_EQ(file.int_attribute("/geometry", "seed"), 42);
  EXPECT_EQ(file.double_array_attribute("/geometry", "poni"), (std::vector<double>{0.1, 0.2}));
  EXPECT_EQ(file.string_attribute("/d", "units"), "nm^-1");
}

TEST(H5File, ErrorsNameTheFileAndObject) {
  testing::TempDir dir;
  const auto not_hdf5 = dir / "plain.txt";
  std::ofstream(not_hdf5) << "hello";
  try {
    File::open_read_only(not_hdf5);
    FAIL() << "opened a text file as HDF5";
  } catch (const H5Error& error) {
    EXPECT_NE(std::string(error.what()).find("plain.txt"), std::string::npos) << error.what();
  }
  EXPECT_THROW(File::open_read_only(dir / "missing.h5"), H5Error);
  EXPECT_THROW(File::create(dir / "no" / "such" / "dir.h5"), H5Error);

  auto file = File::create(dir / "e.h5");
  const std::vector<double> three{1, 2, 3};
  const std::array<std::size_t, 2> wrong{2, 2};
  EXPECT_THROW(file.write<double>("/x", three, wrong), H5Error);
  file.write<double>("/x", three);
  EXPECT_THROW(file.write<double>("/x", three), H5Error) << "no silent overwrite";
  try {
    (void)file.read<double>("/nothing");
    FAIL();
  } catch (const H5Error& error) {
    EXPECT_NE(std::string(error.what()).find("/nothing"), std::string::npos) << error.what();
  }
  EXPECT_THROW((void)file.string_attribute("/x", "absent"), H5Error);
}

}  // namespace
}  // namespace edgeloop::h5
