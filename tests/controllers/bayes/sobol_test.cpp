#include "edgeloop/controllers/bayes/sobol.hpp"

#include <gtest/gtest.h>

namespace edgeloop::bayes {
namespace {

TEST(Sobol, FirstPointsMatchThePublishedSequence) {
  // Unscrambled Joe-Kuo points, as scipy.stats.qmc.Sobol(3, scramble=False) prints them.
  const double expected[8][3] = {{0, 0, 0},
                                 {0.5, 0.5, 0.5},
                                 {0.75, 0.25, 0.25},
                                 {0.25, 0.75, 0.75},
                                 {0.375, 0.375, 0.625},
                                 {0.875, 0.875, 0.125},
                                 {0.625, 0.125, 0.875},
                                 {0.125, 0.625, 0.375}};
  const SobolSequence s(3);
  for (std::uint64_t i = 0; i < 8; ++i) {
    const auto p = s.point(i);
    for (std::size_t j = 0; j < 3; ++j) EXPECT_DOUBLE_EQ(p[j], expected[i][j]) << i << "," << j;
  }
}

TEST(Sobol, EveryDimensionIsBalancedOverAPowerOfTwo) {
  const SobolSequence s(SobolSequence::max_dimensions);
  std::vector<int> low(SobolSequence::max_dimensions, 0);
  for (std::uint64_t i = 0; i < 1024; ++i) {
    const auto p = s.point(i);
    for (std::size_t j = 0; j < p.size(); ++j) {
      ASSERT_GE(p[j], 0.0);
      ASSERT_LT(p[j], 1.0);
      low[j] += p[j] < 0.5 ? 1 : 0;
    }
  }
  for (int c : low) EXPECT_EQ(c, 512);
}

TEST(Sobol, ShiftDependsOnTheSeedAndRejectsTooManyDimensions) {
  EXPECT_NE(SobolSequence(2, 7).point(3), SobolSequence(2, 8).point(3));
  EXPECT_EQ(SobolSequence(2, 7).point(3), SobolSequence(2, 7).point(3));
  EXPECT_THROW(SobolSequence(22), std::invalid_argument);
}

}  // namespace
}  // namespace edgeloop::bayes
