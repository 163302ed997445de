#include "edgeloop/pipeline/apt/point_cloud_reservoir.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <stdexcept>

namespace edgeloop {
namespace {

TEST(PointCloudReservoir, KeepsEverythingUntilFullThenStaysBounded) {
  PointCloudReservoir r(3, 1);
  r.offer(1, 2, 3, 0);
  r.offer(4, 5, 6, -1);
  EXPECT_EQ(r.size(), 2U);
  EXPECT_EQ(std::vector<double>(r.points().begin(), r.points().end()),
            (std::vector<double>{1, 2, 3, 0, 4, 5, 6, -1}));
  for (int i = 0; i < 1000; ++i) r.offer(i, i, i, i);
  EXPECT_EQ(r.size(), 3U);
  EXPECT_EQ(r.seen(), 1002U);
  EXPECT_EQ(r.points().size(), 12U);
  EXPECT_THROW(PointCloudReservoir(0, 1), std::invalid_argument);
}

TEST(PointCloudReservoir, EveryPointHasTheSameChance) {
  // 100 reservoirs of 100 out of 10 000: each decile of the stream should hold a tenth of the
  // 10 000 kept points, 1000 ± 30 (binomial); 5 sigma allowed.
  std::array<double, 10> deciles{};
  for (std::uint64_t seed = 0; seed < 100; ++seed) {
    PointCloudReservoir r(100, seed);
    for (int i = 0; i < 10000; ++i) r.offer(0, 0, 0, i);
    for (std::size_t k = 0; k < r.size(); ++k) {
      deciles[static_cast<std::size_t>(r.points()[4 * k + 3] / 1000.0)] += 1.0;
    }
  }
  for (const double d : deciles) EXPECT_NEAR(d, 1000.0, 150.0);
}

TEST(PointCloudReservoir, SameSeedSameSample) {
  PointCloudReservoir a(10, 42);
  PointCloudReservoir b(10, 42);
  PointCloudReservoir c(10, 43);
  for (int i = 0; i < 1000; ++i) {
    a.offer(i, 0, 0, 0);
    b.offer(i, 0, 0, 0);
    c.offer(i, 0, 0, 0);
  }
  EXPECT_TRUE(std::equal(a.points().begin(), a.points().end(), b.points().begin()));
  EXPECT_FALSE(std::equal(a.points().begin(), a.points().end(), c.points().begin()));
}

}  // namespace
}  // namespace edgeloop
