#include "edgeloop/pipeline/stem/scan_maps.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <stdexcept>

namespace edgeloop {
namespace {

ScanMaps two_channel(std::uint32_t nx, std::uint32_t ny) {
  return ScanMaps(nx, ny, {{"a_map", ""}, {"b_map", "px"}});
}

TEST(ScanMaps, MeansOfVisitsAndNanWhereUnvisited) {
  ScanMaps maps = two_channel(3, 2);
  maps.add(4, std::array{1.0, 10.0});  // (x 1, y 1)
  maps.add(4, std::array{2.0, 20.0});
  maps.add(4, std::array{6.0, 60.0});
  maps.add(0, std::array{5.0, -5.0});
  EXPECT_EQ(maps.visits(4), 3U);
  EXPECT_EQ(maps.mean(0, 4), 3.0);
  EXPECT_EQ(maps.mean(1, 4), 30.0);
  EXPECT_EQ(maps.mean(1, 0), -5.0);
  EXPECT_TRUE(std::isnan(maps.mean(0, 1)));

  std::vector<Product> out;
  maps.products(out);
  ASSERT_EQ(out.size(), 3U);
  EXPECT_EQ(out[0].name, "a_map");
  EXPECT_EQ(out[1].name, "b_map");
  EXPECT_EQ(out[1].units, "px");
  EXPECT_EQ(out[2].name, "visited_map");
  for (const Product& p : out) {
    EXPECT_EQ(p.shape, (std::vector<std::uint32_t>{2, 3}));
    ASSERT_EQ(p.axes.size(), 2U);
    EXPECT_EQ(p.axes[0].name, "y");
    EXPECT_EQ(p.axes[0].values, (std::vector<double>{0, 1}));
    EXPECT_EQ(p.axes[1].name, "x");
    EXPECT_EQ(p.axes[1].values, (std::vector<double>{0, 1, 2}));
  }
  EXPECT_EQ(out[2].values, (std::vector<double>{1, 0, 0, 0, 3, 0}));
  EXPECT_EQ(out[0].values[4], 3.0);
  EXPECT_TRUE(std::isnan(out[0].values[5]));
}

TEST(ScanMaps, RefusesIndicesOffTheGridAndLeavesMapsAlone) {
  ScanMaps maps = two_channel(4, 4);
  EXPECT_THROW(maps.add(-1, std::array{1.0, 1.0}), std::out_of_range);
  EXPECT_THROW(maps.add(16, std::array{1.0, 1.0}), std::out_of_range);
  EXPECT_THROW(maps.add(3, std::array{1.0}), std::invalid_argument);
  for (std::size_t i = 0; i < maps.positions(); ++i) EXPECT_EQ(maps.visits(i), 0U);
}

TEST(ScanMaps, RefusesBadGrids) {
  EXPECT_THROW(two_channel(0, 4), std::invalid_argument);
  EXPECT_THROW(two_channel(4097, 4096), std::invalid_argument);
  EXPECT_THROW(ScanMaps(2, 2, {}), std::invalid_argument);
}

}  // namespace
}  // namespace edgeloop
