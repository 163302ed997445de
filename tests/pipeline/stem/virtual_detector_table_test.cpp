#include "edgeloop/pipeline/stem/virtual_detector_table.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>

#include "stem_test_frames.hpp"

namespace edgeloop {
namespace {

using testing::Doubled;

VirtualDetectorGeometry geometry(double cx, double cy, double bf, double inner, double outer,
                                 double com = 0.0) {
  return {cx, cy, bf, inner, outer, com};
}

// Every pixel's bits against the boundary convention, evaluated in exact doubled integers.
void expect_regions_match_convention(std::uint32_t rows, std::uint32_t cols, Doubled at,
                                     std::int64_t bf2, std::int64_t inner2, std::int64_t outer2,
                                     std::int64_t com2) {
  const VirtualDetectorTable t(
      geometry(static_cast<double>(at.cx2) / 2, static_cast<double>(at.cy2) / 2,
               static_cast<double>(bf2) / 2, static_cast<double>(inner2) / 2,
               static_cast<double>(outer2) / 2, static_cast<double>(com2) / 2),
      rows, cols);
  std::size_t bf = 0, adf = 0, com = 0;
  for (std::uint32_t r = 0; r < rows; ++r) {
    for (std::uint32_t c = 0; c < cols; ++c) {
      const std::int64_t r4 = at.r4(r, c);
      const std::uint8_t bits = t.regions()[std::size_t{r} * cols + c];
      const bool in_bf = r4 <= bf2 * bf2;
      const bool in_adf = r4 >= inner2 * inner2 && r4 < outer2 * outer2;
      const bool in_com = com2 == 0 || r4 <= com2 * com2;
      ASSERT_EQ((bits & kRegionBf) != 0, in_bf) << r << "," << c;
      ASSERT_EQ((bits & kRegionAdf) != 0, in_adf) << r << "," << c;
      ASSERT_EQ((bits & kRegionCom) != 0, in_com) << r << "," << c;
      bf += in_bf;
      adf += in_adf;
      com += in_com;
    }
    // The row spans cover exactly the row's bits.
    const auto& s = t.row_spans()[r];
    for (std::uint32_t c = 0; c < cols; ++c) {
      const std::uint8_t bits = t.regions()[std::size_t{r} * cols + c];
      EXPECT_EQ(c >= s.bf_begin && c < s.bf_end, (bits & kRegionBf) != 0);
      const bool adf_span =
          (c >= s.adf_begin[0] && c < s.adf_end[0]) || (c >= s.adf_begin[1] && c < s.adf_end[1]);
      EXPECT_EQ(adf_span, (bits & kRegionAdf) != 0);
      EXPECT_EQ(c >= s.com_begin && c < s.com_end, (bits & kRegionCom) != 0);
    }
  }
  EXPECT_EQ(t.bf_pixels(), bf);
  EXPECT_EQ(t.adf_pixels(), adf);
  EXPECT_EQ(t.com_pixels(), com);
}

// Radii here are given doubled (bf2 = 2 * bf_radius) so they are exact on the half-pixel grid.
TEST(VirtualDetectorTable, RegionsFollowTheBoundaryConvention) {
  // Centre between pixels (even side), radii on whole and half pixels.
  expect_regions_match_convention(96, 96, {95, 95}, 24, 24, 96, 0);
  expect_regions_match_convention(96, 96, {95, 95}, 13, 17, 61, 40);
  // Centre on a pixel (odd side): rims pass exactly through pixel centres, so the convention's
  // inclusive and exclusive edges matter.
  expect_regions_match_convention(33, 33, {32, 32}, 10, 10, 20, 12);
  // Off-centre and partly off the detector; a rectangular detector.
  expect_regions_match_convention(40, 64, {10, 90}, 30, 32, 70, 36);
}

TEST(VirtualDetectorTable, RimsInclusiveAndExclusiveAsDocumented) {
  // Centre on pixel (5, 5): the pixel 3 to the right has r = 3 exactly.
  const VirtualDetectorTable t(geometry(5, 5, 3, 3, 4), 11, 11);
  const auto at = [&](std::uint32_t r, std::uint32_t c) { return t.regions()[r * 11 + c]; };
  EXPECT_TRUE(at(5, 8) & kRegionBf);    // r == bf_radius: in BF
  EXPECT_TRUE(at(5, 8) & kRegionAdf);   // r == adf_inner: in ADF
  EXPECT_FALSE(at(5, 9) & kRegionAdf);  // r = 4 == adf_outer: not in ADF
  EXPECT_FALSE(at(5, 9) & kRegionBf);
  EXPECT_TRUE(at(5, 5) & kRegionBf);  // the centre itself
  EXPECT_FALSE(at(5, 5) & kRegionAdf);
}

TEST(VirtualDetectorTable, CountsAndCoordinateSums) {
  const VirtualDetectorTable t(geometry(1.5, 0.5, 0.8, 1.0, 1.6), 2, 4);
  // r^2 of columns 0..3 with dy^2 = 0.25: 2.5, 0.5, 0.5, 2.5.
  EXPECT_EQ(t.bf_pixels(), 4U);   // r^2 <= 0.64
  EXPECT_EQ(t.adf_pixels(), 4U);  // 1 <= r^2 < 2.56
  EXPECT_EQ(t.com_pixels(), 8U);
  EXPECT_EQ(t.com_column_sum(), 2U * (0 + 1 + 2 + 3));
  EXPECT_EQ(t.com_row_sum(), 4U * (0 + 1));
  EXPECT_EQ(t.pixel_count(), 8U);
}

TEST(VirtualDetectorTable, RefusesBadGeometryAndShapes) {
  const auto good = geometry(47.5, 47.5, 12, 12, 48);
  EXPECT_NO_THROW(VirtualDetectorTable(good, 96, 96));
  EXPECT_THROW(VirtualDetectorTable(good, 0, 96), std::invalid_argument);
  EXPECT_THROW(VirtualDetectorTable(good, 96, VirtualDetectorTable::kMaxSide + 1),
               std::invalid_argument);
  auto bad = good;
  bad.bf_radius = 0;
  EXPECT_THROW(VirtualDetectorTable(bad, 96, 96), std::invalid_argument);
  bad = good;
  bad.adf_outer = bad.adf_inner;
  EXPECT_THROW(VirtualDetectorTable(bad, 96, 96), std::invalid_argument);
  bad = good;
  bad.centre_x = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(VirtualDetectorTable(bad, 96, 96), std::invalid_argument);
  bad = good;
  bad.com_radius = -1;
  EXPECT_THROW(VirtualDetectorTable(bad, 96, 96), std::invalid_argument);
  bad = good;
  bad.adf_inner = std::numeric_limits<double>::infinity();
  EXPECT_THROW(VirtualDetectorTable(bad, 96, 96), std::invalid_argument);
}

TEST(VirtualDetectorTable, ErrorsNameTheField) {
  auto g = geometry(47.5, 47.5, 12, 30, 20);
  try {
    g.validate();
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("adf_outer"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace edgeloop
