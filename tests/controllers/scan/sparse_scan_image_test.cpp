#include "edgeloop/controllers/scan/sparse_scan_image.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

namespace edgeloop::scan {
namespace {

TEST(SparseScanImage, NearestNeighbourReconstructionIsExactAtFullSampling) {
  SparseScanImage scan(5, 4);
  std::vector<double> truth(scan.size());
  for (std::size_t i = 0; i < truth.size(); ++i) truth[i] = 0.5 * static_cast<double>(i * i % 7);
  for (std::size_t i = 0; i < truth.size(); ++i) {
    scan.measure(static_cast<std::int64_t>((i * 7) % truth.size()), truth[(i * 7) % truth.size()]);
  }
  EXPECT_EQ(scan.reconstruction(), truth);
  for (const double d2 : scan.nearest_distance2()) EXPECT_EQ(d2, 0.0);
}

TEST(SparseScanImage, EachPositionTakesItsNearestSampleAndTiesTheFirst) {
  SparseScanImage scan(5, 1);
  scan.measure(0, 1.0);
  scan.measure(4, 3.0);
  // Position 2 is as far from both: it keeps the first sample's value.
  EXPECT_EQ(scan.reconstruction(), (std::vector<double>{1, 1, 1, 3, 3}));
  EXPECT_EQ(scan.nearest_distance2()[1], 1.0);
  EXPECT_DOUBLE_EQ(scan.value_mean(), 2.0);
  EXPECT_DOUBLE_EQ(scan.value_std(), 1.0);
}

TEST(SparseScanImage, PendingAndLostPositionsAreMaskedButCarryNoValue) {
  SparseScanImage scan(3, 3);
  scan.reserve(4);
  EXPECT_FALSE(scan.available(4));
  EXPECT_FALSE(scan.measured(4));
  EXPECT_EQ(scan.visited_count(), 1u);
  EXPECT_EQ(scan.measured_count(), 0u);
  EXPECT_THROW(scan.reserve(4), std::invalid_argument);
  scan.measure(4, 2.0);
  EXPECT_TRUE(scan.measured(4));
  EXPECT_EQ(scan.visited_count(), 1u);
  EXPECT_THROW(scan.measure(4, 2.0), std::invalid_argument);
  scan.lose(0);
  EXPECT_FALSE(scan.available(0));
  EXPECT_EQ(scan.state(0), SparseScanImage::State::Lost);
  EXPECT_EQ(scan.visited_count(), 2u);
  EXPECT_EQ(scan.order(), (std::vector<std::int64_t>{4}));
  EXPECT_THROW(scan.measure(9, 1.0), std::invalid_argument);
  EXPECT_THROW(scan.measure(1, std::nan("")), std::invalid_argument);
}

}  // namespace
}  // namespace edgeloop::scan
