#include "edgeloop/sims/saxs_size_distribution.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

namespace edgeloop::sims {
namespace {

double moment(const std::vector<SizeNode>& nodes, int n) {
  double sum = 0.0;
  for (const SizeNode& node : nodes) sum += node.weight * std::pow(node.radius_nm, n);
  return sum;
}

TEST(SchulzNodes, MonodisperseIsOneNode) {
  const auto nodes = schulz_nodes(12.5, 0.0, 3.0);
  ASSERT_EQ(nodes.size(), 1U);
  EXPECT_EQ(nodes[0].radius_nm, 12.5);
  EXPECT_EQ(nodes[0].weight, 1.0);
}

TEST(SchulzNodes, QuadratureReproducesTheExactMoments) {
  for (const double p : {0.05, 0.1, 0.2, 0.4}) {
    const auto nodes = schulz_nodes(10.0, p, 2.0);
    double total = 0.0;
    for (const SizeNode& node : nodes) {
      EXPECT_GT(node.radius_nm, 0.0);
      EXPECT_GE(node.weight, 0.0);
      total += node.weight;
    }
    EXPECT_NEAR(total, 1.0, 1e-12);
    // Mean and width as specified, and the sixth moment that sets the forward scattering.
    EXPECT_NEAR(moment(nodes, 1), 10.0, 1e-3 * 10.0) << "p=" << p;
    const double sd = std::sqrt(moment(nodes, 2) - moment(nodes, 1) * moment(nodes, 1));
    EXPECT_NEAR(sd / 10.0, p, 0.01 * p) << "p=" << p;
    // The ±5σ/7σ truncation and the renormalisation leave heavy tails a little short.
    const double tolerance = p > 0.3 ? 0.02 : 1e-3;
    EXPECT_NEAR(moment(nodes, 6) / schulz_moment(10.0, p, 6), 1.0, tolerance) << "p=" << p;
  }
}

TEST(SchulzNodes, NodeSpacingFollowsTheLargestQ) {
  const auto coarse = schulz_nodes(20.0, 0.15, 0.1);
  const auto fine = schulz_nodes(20.0, 0.15, 3.0);
  EXPECT_EQ(coarse.size(), 21U);  // the minimum
  EXPECT_GT(fine.size(), coarse.size());
  const double step = fine[1].radius_nm - fine[0].radius_nm;
  EXPECT_LE(step, M_PI / (8.0 * 3.0) + 1e-12);
}

TEST(SchulzMoment, MatchesClosedForms) {
  EXPECT_DOUBLE_EQ(schulz_moment(3.0, 0.0, 4), 81.0);
  // <R²> = mean² (1 + p²) for a Schulz distribution.
  EXPECT_NEAR(schulz_moment(10.0, 0.2, 2), 100.0 * 1.04, 1e-9);
}

TEST(SchulzNodes, RejectsBadInput) {
  EXPECT_THROW((void)schulz_nodes(0.0, 0.1, 1.0), std::invalid_argument);
  EXPECT_THROW((void)schulz_nodes(10.0, 0.6, 1.0), std::invalid_argument);
  EXPECT_THROW((void)schulz_nodes(10.0, std::nan(""), 1.0), std::invalid_argument);
  EXPECT_THROW((void)schulz_nodes(10.0, 0.1, -1.0), std::invalid_argument);
  EXPECT_THROW((void)schulz_moment(10.0, 0.1, 20), std::invalid_argument);
}

}  // namespace
}  // namespace edgeloop::sims
