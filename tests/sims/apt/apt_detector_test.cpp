#include "edgeloop/sims/apt_detector.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <stdexcept>

namespace edgeloop::sims {
namespace {

TEST(AptDetector, FieldOfViewFollowsGeometryAndCompression) {
  const AptDetector detector(AptDetectorSettings{});
  EXPECT_NEAR(detector.field_of_view_half_angle(), 1.5 * std::atan(38.0 / 100.0), 1e-12);
}

TEST(AptDetector, ProjectsFromTheApexOutwards) {
  const AptDetector detector(AptDetectorSettings{});
  const auto centre = detector.project(0.0, 0.0, 30.0);
  ASSERT_TRUE(centre);
  EXPECT_EQ((*centre)[0], 0.0);
  EXPECT_EQ((*centre)[1], 0.0);
  // 10 nm off the axis on a 30 nm cap: launched at asin(1/3), flying at a third less.
  const auto hit = detector.project(10.0, 0.0, 30.0);
  ASSERT_TRUE(hit);
  EXPECT_NEAR((*hit)[0], 100.0 * std::tan(std::asin(1.0 / 3.0) / 1.5), 1e-9);
  EXPECT_NEAR((*hit)[1], 0.0, 1e-12);
  // The azimuth is kept and the mapping grows with distance from the axis.
  const auto diagonal = detector.project(-5.0, -5.0, 30.0);
  ASSERT_TRUE(diagonal);
  EXPECT_NEAR((*diagonal)[0], (*diagonal)[1], 1e-12);
  EXPECT_LT((*diagonal)[0], 0.0);
  EXPECT_LT(std::hypot((*diagonal)[0], (*diagonal)[1]), (*hit)[0]);
}

TEST(AptDetector, EdgeOfTheFieldOfViewLandsAtTheRim) {
  const AptDetector detector(AptDetectorSettings{});
  const double fov = detector.field_of_view_half_angle();
  const auto inside = detector.project(30.0 * std::sin(fov * 0.999), 0.0, 30.0);
  ASSERT_TRUE(inside);
  EXPECT_NEAR((*inside)[0], 38.0, 0.1);
  EXPECT_FALSE(detector.project(30.0 * std::sin(fov * 1.01), 0.0, 30.0));
  EXPECT_TRUE(detector.on_detector(0.0, 38.0));
  EXPECT_FALSE(detector.on_detector(30.0, 30.0));
}

TEST(AptDetector, RejectsUnphysicalSettings) {
  AptDetectorSettings s;
  s.efficiency = -0.1;
  EXPECT_THROW(AptDetector{s}, std::invalid_argument);
  s = {};
  s.image_compression = 0.5;
  EXPECT_THROW(AptDetector{s}, std::invalid_argument);
  s = {};
  s.flight_length_mm = std::nan("");
  EXPECT_THROW(AptDetector{s}, std::invalid_argument);
}

}  // namespace
}  // namespace edgeloop::sims
