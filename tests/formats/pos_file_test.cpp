#include "edgeloop/formats/pos_file.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <string>

#include "edgeloop/formats/apt_file_error.hpp"
#include "edgeloop/testing/temp_dir.hpp"

namespace edgeloop::formats {
namespace {

std::string error_of(std::span<const std::byte> bytes) {
  try {
    parse_pos(bytes, "run.pos");
  } catch (const AptFileError& error) {
    return error.what();
  }
  ADD_FAILURE() << "expected an AptFileError";
  return "";
}

TEST(PosFile, RoundTripsThroughAFile) {
  const testing::TempDir dir;
  const std::vector<PosRecord> records{
      {1.5F, -2.0F, 30.25F, 26.98F}, {0.0F, 0.0F, 0.0F, 0.0F}, {-1e6F, 1e-6F, 7.0F, 62.93F}};
  write_pos(dir / "a.pos", records);
  EXPECT_EQ(std::filesystem::file_size(dir / "a.pos"), 3 * kPosRecordBytes);
  const auto back = read_pos(dir / "a.pos");
  ASSERT_EQ(back.size(), records.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ(back[i].x, records[i].x);
    EXPECT_EQ(back[i].y, records[i].y);
    EXPECT_EQ(back[i].z, records[i].z);
    EXPECT_EQ(back[i].mass_to_charge, records[i].mass_to_charge);
  }
}

TEST(PosFile, IsBigEndian) {
  const std::vector<PosRecord> records{{1.0F, 2.0F, -2.0F, 0.5F}};
  const auto bytes = encode_pos(records, "x.pos");
  ASSERT_EQ(bytes.size(), 16U);
  // 1.0f = 0x3F800000, 2.0f = 0x40000000, -2.0f = 0xC0000000, 0.5f = 0x3F000000.
  const std::vector<unsigned> want{0x3F, 0x80, 0, 0, 0x40, 0, 0, 0, 0xC0, 0, 0, 0, 0x3F, 0, 0, 0};
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(std::to_integer<unsigned>(bytes[i]), want[i]) << "byte " << i;
  }
  const auto back = parse_pos(bytes, "x.pos");
  EXPECT_EQ(back[0].z, -2.0F);
}

TEST(PosFile, EmptyFileHasNoRecords) {
  EXPECT_TRUE(parse_pos({}, "empty.pos").empty());
}

TEST(PosFile, RejectsASizeThatIsNotWholeRecords) {
  const std::vector<std::byte> bytes(33);
  const std::string error = error_of(bytes);
  EXPECT_NE(error.find("run.pos"), std::string::npos) << error;
  EXPECT_NE(error.find("33 bytes"), std::string::npos) << error;
  EXPECT_NE(error.find("multiple of the 16-byte"), std::string::npos) << error;
}

TEST(PosFile, RejectsNonFiniteValuesNamingTheRecord) {
  std::vector<PosRecord> records(3, PosRecord{1.0F, 1.0F, 1.0F, 27.0F});
  auto bytes = encode_pos(records, "run.pos");
  // Record 2's m/n becomes a NaN (0x7FC00000).
  bytes[16 + 12] = std::byte{0x7F};
  bytes[16 + 13] = std::byte{0xC0};
  bytes[16 + 14] = std::byte{0};
  bytes[16 + 15] = std::byte{0};
  const std::string error = error_of(bytes);
  EXPECT_NE(error.find("run.pos: record 2: mass_to_charge is not finite"), std::string::npos)
      << error;
}

TEST(PosFile, WriterRefusesNonFiniteValues) {
  const testing::TempDir dir;
  const std::vector<PosRecord> records{{1.0F, 1.0F, 1.0F, 27.0F},
                                       {std::numeric_limits<float>::infinity(), 0, 0, 1}};
  try {
    write_pos(dir / "bad.pos", records);
    FAIL() << "expected an AptFileError";
  } catch (const AptFileError& error) {
    EXPECT_EQ(error.where(), "record 2");
    EXPECT_NE(std::string(error.what()).find("x is not finite"), std::string::npos);
  }
}

TEST(PosFile, MissingFileIsAnAptFileError) {
  const testing::TempDir dir;
  EXPECT_THROW(read_pos(dir / "nope.pos"), AptFileError);
}

}  // namespace
}  // namespace edgeloop::formats
