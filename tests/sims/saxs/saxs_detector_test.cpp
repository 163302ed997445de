#include "edgeloop/sims/saxs_detector.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include "edgeloop/sims/saxs_config.hpp"

namespace edgeloop::sims {
namespace {

SaxsDetectorSettings small_settings() {
  SaxsDetectorSettings s;
  s.rows = 256;
  s.cols = 256;
  s.module_rows = 120;
  s.module_cols = 100;
  s.gap_rows = 6;
  s.gap_cols = 4;
  return s;
}

SaxsDetector make(const SaxsDetectorSettings& s, std::uint64_t seed = 11) {
  return SaxsDetector(s, formats::PoniGeometry(default_saxs_geometry(s)), 0.99, seed);
}

TEST(SaxsDetector, ModuleGapsAreMaskedRowsAndColumns) {
  const SaxsDetectorSettings s = small_settings();
  const SaxsDetector d = make(s);
  const auto mask = d.mask();
  const auto gap = [&](std::size_t i, std::size_t j) {
    return (mask[i * 256 + j] & kMaskGap) != 0;
  };
  // Rows 120..125 and 246..251 are gaps, as are columns 100..103 and 204..207.
  for (std::size_t j = 0; j < 256; ++j) {
    EXPECT_TRUE(gap(120, j));
    EXPECT_TRUE(gap(125, j));
    EXPECT_TRUE(gap(246, j));
  }
  for (std::size_t i = 0; i < 256; ++i) {
    EXPECT_TRUE(gap(i, 100));
    EXPECT_TRUE(gap(i, 207));
  }
  EXPECT_FALSE(gap(119, 99));
  EXPECT_FALSE(gap(126, 104));
  const std::size_t gap_rows = 12;
  const std::size_t gap_cols = 8;
  EXPECT_EQ(d.count_masked(kMaskGap), gap_rows * 256 + gap_cols * 256 - gap_rows * gap_cols);
}

TEST(SaxsDetector, BeamstopCoversTheBeamAndItsArm) {
  SaxsDetectorSettings s = small_settings();
  s.module_rows = 0;  // no gaps, to see the beamstop alone
  s.dead_pixels = 0;
  s.hot_pixels = 0;
  const SaxsDetector d = make(s);
  const auto centre = d.geometry().beam_centre();  // (140.8, 122.88)
  const auto at = [&](double row, double col) {
    return d.mask()[static_cast<std::size_t>(row) * 256 + static_cast<std::size_t>(col)];
  };
  const double radius_px = 1.5 / 0.075;  // 20 pixels
  EXPECT_EQ(at(centre[0], centre[1]), kMaskBeamstop);
  EXPECT_EQ(at(centre[0], centre[1] + radius_px - 1.5), kMaskBeamstop);
  EXPECT_EQ(at(centre[0], centre[1] + radius_px + 1.5), 0U);
  EXPECT_EQ(at(centre[0] - radius_px - 1.5, centre[1]), 0U);
  // The arm runs towards larger rows (90°), 0.8 mm = 10.7 pixels wide, to the edge.
  EXPECT_EQ(at(250.0, centre[1]), kMaskBeamstop);
  EXPECT_EQ(at(250.0, centre[1] + 4.0), kMaskBeamstop);
  EXPECT_EQ(at(250.0, centre[1] + 7.0), 0U);
  const double disc_area = M_PI * radius_px * radius_px;
  const double arm_px = 0.8 / 0.075;
  // The arm's first radius_px of length lies inside the disc.
  const double arm_area = (256.0 - centre[0] - radius_px) * arm_px;
  EXPECT_NEAR(static_cast<double>(d.count_masked(kMaskBeamstop)), disc_area + arm_area,
              0.05 * (disc_area + arm_area));
}

TEST(SaxsDetector, DeadAndHotPixelsComeFromTheSeed) {
  const SaxsDetectorSettings s = small_settings();
  const SaxsDetector a = make(s, 1);
  const SaxsDetector b = make(s, 1);
  const SaxsDetector c = make(s, 2);
  EXPECT_EQ(a.count_masked(kMaskDead), 6U);
  EXPECT_EQ(a.count_masked(kMaskHot), 3U);
  EXPECT_TRUE(std::equal(a.mask().begin(), a.mask().end(), b.mask().begin()));
  EXPECT_FALSE(std::equal(a.mask().begin(), a.mask().end(), c.mask().begin()));
}

TEST(SaxsDetector, ExpectedCountsFollowTheFormula) {
  SaxsDetectorSettings s = small_settings();
  const SaxsDetector d = make(s);
  const IntensityCurve curve(0.001, std::vector<double>(2000, 50.0));  // flat 50 cm⁻¹
  const Exposure e{1e9, 2.0, 0.25};
  std::vector<double> out(d.pixel_count());
  d.expected(curve, e, out);
  const formats::PoniGeometry& g = d.geometry();
  for (const auto& [i, j] : {std::pair{0U, 0U}, std::pair{30U, 200U}, std::pair{255U, 255U}}) {
    const std::size_t k = std::size_t{i} * 256 + j;
    if (d.mask()[k] != 0) continue;
    const double expected = 1e9 * 52.0 * g.solid_angle_sr(i, j) * g.polarization(i, j, 0.99) + 0.25;
    EXPECT_NEAR(out[k], expected, 1e-6 * expected);
  }
  // Gaps and bad pixels expect nothing; pixels in the beamstop's shadow (and only there) are
  // working pixels that expect their dark counts. Gap pixels under the arm stay gaps.
  std::size_t flagged = 0;
  std::size_t shadowed = 0;
  std::size_t gaps_under_arm = 0;
  for (std::size_t k = 0; k < out.size(); ++k) {
    const std::uint32_t m = d.mask()[k];
    if ((m & (kMaskGap | kMaskDead | kMaskHot)) != 0) {
      EXPECT_EQ(out[k], 0.0) << "pixel " << k;
      ++flagged;
      if ((m & kMaskBeamstop) != 0) ++gaps_under_arm;
    } else if (m == kMaskBeamstop) {
      EXPECT_EQ(out[k], 0.25) << "pixel " << k;
      ++shadowed;
    } else {
      EXPECT_EQ(m, 0U);
      EXPECT_GT(out[k], 10.0) << "pixel " << k;  // about 70 counts of scattering
    }
  }
  EXPECT_EQ(flagged, d.count_masked(kMaskGap | kMaskDead | kMaskHot));
  EXPECT_EQ(shadowed + gaps_under_arm, d.count_masked(kMaskBeamstop));
  EXPECT_GT(shadowed, 1000U);
  EXPECT_GT(gaps_under_arm, 0U);
  EXPECT_THROW(d.expected(curve, e, std::span<double>(out.data(), 10)), std::invalid_argument);
  EXPECT_THROW(d.expected(curve, Exposure{-1.0, 0.0, 0.0}, out), std::invalid_argument);
}

TEST(SaxsDetector, MaskedPixelsReadTheMaximumAndCountsSaturateBelowIt) {
  const SaxsDetectorSettings s = small_settings();
  const SaxsDetector d = make(s);
  std::vector<double> expected(d.pixel_count(), 1e7);  // far above u16
  std::vector<std::uint16_t> u16(d.pixel_count());
  d.render<std::uint16_t>(expected, 1, u16);
  std::vector<std::uint32_t> u32(d.pixel_count());
  d.render<std::uint32_t>(expected, 1, u32);
  // Only what the detector itself flags (gaps, dead and hot pixels) reads the maximum; the
  // beamstop's pixels are working pixels and count whatever reaches them, like the others.
  std::size_t marked = 0;
  std::size_t beamstop = 0;
  for (std::size_t k = 0; k < d.pixel_count(); ++k) {
    const std::uint32_t m = d.mask()[k];
    if ((m & (kMaskGap | kMaskDead | kMaskHot)) != 0) {
      EXPECT_EQ(u16[k], 0xFFFFU);
      EXPECT_EQ(u32[k], 0xFFFFFFFFU);
      ++marked;
    } else {
      EXPECT_EQ(u16[k], 0xFFFEU);
      EXPECT_NEAR(static_cast<double>(u32[k]), 1e7, 6.0 * std::sqrt(1e7));
      beamstop += m == kMaskBeamstop ? 1U : 0U;
    }
  }
  EXPECT_EQ(marked, d.count_masked(kMaskGap | kMaskDead | kMaskHot));
  EXPECT_GT(beamstop, 1000U);
}

TEST(SaxsDetector, BeamstopPixelsCountDarkCountsOnly) {
  const SaxsDetectorSettings s = small_settings();
  const SaxsDetector d = make(s);
  const IntensityCurve curve(0.001, std::vector<double>(2000, 50.0));
  const Exposure e{1e10, 0.0, 0.5};  // about 700 counts a pixel outside the beamstop
  std::vector<double> expected(d.pixel_count());
  d.expected(curve, e, expected);
  std::vector<std::uint32_t> counts(d.pixel_count());
  d.render<std::uint32_t>(expected, 5, counts);
  double shadow_sum = 0.0;
  double shadow_pixels = 0.0;
  double lit_min = 1e300;
  for (std::size_t k = 0; k < d.pixel_count(); ++k) {
    const std::uint32_t m = d.mask()[k];
    if (m == kMaskBeamstop) {
      EXPECT_LE(counts[k], 8U) << "pixel " << k;  // Poisson(0.5): never the masked value
      shadow_sum += counts[k];
      shadow_pixels += 1.0;
    } else if (m == 0) {
      lit_min = std::min(lit_min, static_cast<double>(counts[k]));
    }
  }
  ASSERT_GT(shadow_pixels, 1000.0);
  const double mean = 0.5 * shadow_pixels;
  EXPECT_NEAR(shadow_sum, mean, 6.0 * std::sqrt(mean));
  EXPECT_GT(lit_min, 400.0);
}

TEST(SaxsDetector, RejectsSettingsThatDoNotFit) {
  SaxsDetectorSettings s = small_settings();
  // Geometry of another shape.
  SaxsDetectorSettings other = s;
  other.rows = 128;
  EXPECT_THROW(SaxsDetector(s, formats::PoniGeometry(default_saxs_geometry(other)), 0.9, 1),
               std::invalid_argument);
  s.dtype = wire::DType::U8;
  EXPECT_THROW(make(s), std::invalid_argument);
  s = small_settings();
  s.dead_pixels = 1000;
  EXPECT_THROW(make(s), std::invalid_argument);
  s = small_settings();
  EXPECT_THROW(SaxsDetector(s, formats::PoniGeometry(default_saxs_geometry(s)), 1.5, 1),
               std::invalid_argument);
}

}  // namespace
}  // namespace edgeloop::sims
