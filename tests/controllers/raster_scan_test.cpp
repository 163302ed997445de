#include "edgeloop/controllers/raster_scan.hpp"

#include <gtest/gtest.h>

namespace edgeloop {
namespace {

TEST(RasterScan, VisitsEveryPositionRowByRowOnce) {
  RasterScan scan(3, 2);
  EXPECT_EQ(scan.size(), 6u);
  std::vector<std::pair<double, double>> seen;
  while (auto p = scan.next()) {
    EXPECT_EQ(p->index, static_cast<std::int64_t>(seen.size()));
    seen.emplace_back(p->x, p->y);
  }
  EXPECT_EQ(seen, (std::vector<std::pair<double, double>>{
                      {0, 0}, {1, 0}, {2, 0}, {0, 1}, {1, 1}, {2, 1}}));
  EXPECT_EQ(scan.issued(), 6u);
  EXPECT_FALSE(scan.next());
}

TEST(RasterScan, RejectsEmptyGrid) {
  EXPECT_THROW(RasterScan(0, 4), std::invalid_argument);
  EXPECT_THROW(RasterScan(4, 0), std::invalid_argument);
}

}  // namespace
}  // namespace edgeloop
