#include "edgeloop/formats/epos_file.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <string>

#include "edgeloop/formats/apt_file_error.hpp"
#include "edgeloop/testing/temp_dir.hpp"

namespace edgeloop::formats {
namespace {

EposRecord ion(float m, std::uint32_t delta_pulse, std::uint32_t multiplicity) {
  EposRecord r;
  r.x = 1.25F;
  r.y = -3.5F;
  r.z = 12.0F;
  r.mass_to_charge = m;
  r.tof_ns = 800.5F;
  r.v_dc = 4500.0F;
  r.v_pulse = 0.0F;
  r.det_x = -10.5F;
  r.det_y = 20.25F;
  r.delta_pulse = delta_pulse;
  r.multiplicity = multiplicity;
  return r;
}

// A single hit, a triple, a single: a well-formed sequence.
std::vector<EposRecord> sample() {
  return {ion(26.98F, 5, 1), ion(62.93F, 100, 3), ion(26.98F, 0, 0), ion(13.49F, 0, 0),
          ion(24.0F, 70000, 1)};
}

void expect_same(const EposRecord& a, const EposRecord& b) {
  EXPECT_EQ(a.x, b.x);
  EXPECT_EQ(a.y, b.y);
  EXPECT_EQ(a.z, b.z);
  EXPECT_EQ(a.mass_to_charge, b.mass_to_charge);
  EXPECT_EQ(a.tof_ns, b.tof_ns);
  EXPECT_EQ(a.v_dc, b.v_dc);
  EXPECT_EQ(a.v_pulse, b.v_pulse);
  EXPECT_EQ(a.det_x, b.det_x);
  EXPECT_EQ(a.det_y, b.det_y);
  EXPECT_EQ(a.delta_pulse, b.delta_pulse);
  EXPECT_EQ(a.multiplicity, b.multiplicity);
}

std::string error_of(std::span<const std::byte> bytes) {
  try {
    parse_epos(bytes, "run.epos");
  } catch (const AptFileError& error) {
    return error.what();
  }
  ADD_FAILURE() << "expected an AptFileError";
  return "";
}

TEST(EposFile, RoundTripsThroughAFile) {
  const testing::TempDir dir;
  const auto records = sample();
  write_epos(dir / "a.epos", records);
  EXPECT_EQ(std::filesystem::file_size(dir / "a.epos"), records.size() * kEposRecordBytes);
  const auto back = read_epos(dir / "a.epos");
  ASSERT_EQ(back.size(), records.size());
  for (std::size_t i = 0; i < records.size(); ++i) expect_same(back[i], records[i]);
}

TEST(EposFile, LayoutIsBigEndianFloatsThenTwoUnsigned) {
  EposRecord r;
  r.x = 1.0F;
  r.delta_pulse = 0x01020304U;
  r.multiplicity = 2;
  const std::vector<EposRecord> records{r, ion(1.0F, 0, 0)};
  const auto bytes = encode_epos(records, "x.epos");
  ASSERT_EQ(bytes.size(), 88U);
  EXPECT_EQ(std::to_integer<unsigned>(bytes[0]), 0x3FU);
  EXPECT_EQ(std::to_integer<unsigned>(bytes[1]), 0x80U);
  EXPECT_EQ(std::to_integer<unsigned>(bytes[36]), 0x01U);
  EXPECT_EQ(std::to_integer<unsigned>(bytes[37]), 0x02U);
  EXPECT_EQ(std::to_integer<unsigned>(bytes[38]), 0x03U);
  EXPECT_EQ(std::to_integer<unsigned>(bytes[39]), 0x04U);
  EXPECT_EQ(std::to_integer<unsigned>(bytes[43]), 0x02U);
}

TEST(EposFile, RejectsASizeThatIsNotWholeRecords) {
  auto bytes = encode_epos(sample(), "x");
  bytes.pop_back();
  const std::string error = error_of(bytes);
  EXPECT_NE(error.find("run.epos"), std::string::npos) << error;
  EXPECT_NE(error.find("not a multiple of the 44-byte"), std::string::npos) << error;
}

TEST(EposFile, RejectsNonFiniteValuesNamingRecordAndField) {
  auto bytes = encode_epos(sample(), "x");
  // Record 4's tof_ns (offset 16) becomes +inf (0x7F800000).
  const std::size_t at = 3 * kEposRecordBytes + 16;
  bytes[at] = std::byte{0x7F};
  bytes[at + 1] = std::byte{0x80};
  bytes[at + 2] = std::byte{0};
  bytes[at + 3] = std::byte{0};
  EXPECT_NE(error_of(bytes).find("run.epos: record 4: tof_ns is not finite"), std::string::npos)
      << error_of(bytes);
}

TEST(EposFile, RejectsBrokenMultipleHits) {
  {
    // Two single hits, the second patched to multiplicity 0 (the encoder would refuse it).
    auto bytes = encode_epos(std::vector<EposRecord>{ion(1, 1, 1), ion(1, 1, 1)}, "x");
    bytes[kEposRecordBytes + 43] = std::byte{0};
    const auto error = error_of(bytes);
    EXPECT_NE(error.find("record 2: multiplicity 0 outside a multiple hit"), std::string::npos)
        << error;
  }
  {
    // A triple cut short by the end of the file.
    auto bytes = encode_epos(sample(), "x");
    bytes.resize(3 * kEposRecordBytes);
    const auto error = error_of(bytes);
    EXPECT_NE(error.find("ends inside a multiple hit"), std::string::npos) << error;
  }
  {
    // A triple interrupted by a new pulse.
    std::vector<EposRecord> records = sample();
    EXPECT_THROW(encode_epos(std::vector<EposRecord>{records[1], records[2], records[4]}, "x"),
                 AptFileError);
  }
}

TEST(EposFile, DamagedBytesGiveErrorsNotCrashes) {
  // Flipping any byte of a valid file either still decodes or fails with an AptFileError.
  const auto good = encode_epos(sample(), "x");
  for (std::size_t i = 0; i < good.size(); ++i) {
    for (const unsigned flip : {0x01U, 0x80U, 0xFFU}) {
      auto bytes = good;
      bytes[i] ^= static_cast<std::byte>(flip);
      try {
        parse_epos(bytes, "damaged.epos");
      } catch (const AptFileError& error) {
        EXPECT_NE(std::string(error.what()).find("damaged.epos"), std::string::npos);
      }
    }
  }
}

TEST(EposFile, ReaderStreamsInBatches) {
  const testing::TempDir dir;
  std::vector<EposRecord> records;
  for (std::uint32_t i = 0; i < 1000; ++i) records.push_back(ion(static_cast<float>(i), i, 1));
  write_epos(dir / "big.epos", records);
  EposReader reader(dir / "big.epos");
  EXPECT_EQ(reader.record_count(), 1000U);
  std::vector<EposRecord> batch(64);
  std::vector<EposRecord> all;
  while (const std::size_t n = reader.read(batch))
    all.insert(all.end(), batch.begin(), batch.begin() + static_cast<std::ptrdiff_t>(n));
  EXPECT_TRUE(reader.at_end());
  ASSERT_EQ(all.size(), records.size());
  for (std::size_t i = 0; i < all.size(); ++i) expect_same(all[i], records[i]);
}

TEST(EposFile, ReaderRejectsBadSizeAtOpen) {
  const testing::TempDir dir;
  {
    std::ofstream out(dir / "cut.epos", std::ios::binary);
    out << std::string(45, 'x');
  }
  try {
    EposReader reader(dir / "cut.epos");
    FAIL() << "expected an AptFileError";
  } catch (const AptFileError& error) {
    EXPECT_NE(std::string(error.what()).find("cut.epos"), std::string::npos);
  }
}

TEST(EposWriter, AppendsRecordsAsTheyCome) {
  const testing::TempDir dir;
  const auto records = sample();
  {
    EposWriter writer(dir / "live.epos");
    writer.append(records[0]);
    writer.append(std::span(records).subspan(1, 3));
    writer.flush();
    EXPECT_EQ(std::filesystem::file_size(dir / "live.epos"), 4 * kEposRecordBytes);
    writer.append(records[4]);
    EXPECT_EQ(writer.records_written(), 5U);
    writer.close();
  }
  {
    // Append mode continues the file.
    EposWriter writer(dir / "live.epos", EposWriter::Mode::Append);
    EXPECT_EQ(writer.records_written(), 5U);
    writer.append(records[0]);
  }  // the destructor flushes
  const auto back = read_epos(dir / "live.epos");
  ASSERT_EQ(back.size(), 6U);
  for (std::size_t i = 0; i < records.size(); ++i) expect_same(back[i], records[i]);
  expect_same(back[5], records[0]);
}

TEST(EposWriter, RefusesBadRecordsWithoutWritingThem) {
  const testing::TempDir dir;
  EposWriter writer(dir / "w.epos");
  writer.append(ion(27, 1, 1));
  EposRecord bad = ion(27, 1, 1);
  bad.det_y = std::numeric_limits<float>::quiet_NaN();
  try {
    writer.append(bad);
    FAIL() << "expected an AptFileError";
  } catch (const AptFileError& error) {
    EXPECT_EQ(error.where(), "record 2");
    EXPECT_NE(error.problem().find("det_y"), std::string::npos);
  }
  EXPECT_THROW(writer.append(ion(27, 0, 0)), AptFileError);  // 0 outside a group
  writer.append(ion(27, 4, 2));
  EXPECT_EQ(writer.records_written(), 2U);
  EXPECT_THROW(writer.close(), AptFileError);  // the pair was never completed
}

TEST(EposWriter, AppendRefusesAFileThatIsNotWholeRecords) {
  const testing::TempDir dir;
  {
    std::ofstream out(dir / "odd.epos", std::ios::binary);
    out << std::string(50, 'x');
  }
  EXPECT_THROW(EposWriter(dir / "odd.epos", EposWriter::Mode::Append), AptFileError);
}

}  // namespace
}  // namespace edgeloop::formats
