#include "edgeloop/controllers/scan/scan_environment.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "edgeloop/controllers/scan/scan_random.hpp"

namespace edgeloop::scan {
namespace {

// Two flat regions and a ramp: edges for the oracle to find, values in [0, 2].
std::vector<double> test_image(std::uint32_t nx, std::uint32_t ny) {
  std::vector<double> image(static_cast<std::size_t>(nx) * ny);
  for (std::uint32_t y = 0; y < ny; ++y) {
    for (std::uint32_t x = 0; x < nx; ++x) {
      const bool inside = (x - 6.0) * (x - 6.0) + (y - 5.0) * (y - 5.0) < 12.0;
      image[y * nx + x] = (inside ? 1.0 : 0.0) + static_cast<double>(x) / nx;
    }
  }
  return image;
}

TEST(ScanEnvironment, RewardsTimesDoseSumToTheErrorRemoved) {
  ScanEnvironment env(12, 10, test_image(12, 10), 60);
  const double start = env.error();
  ScanRandom rng(3);
  double sum = 0.0;
  while (!env.done()) {
    std::int64_t i = -1;
    do {
      i = static_cast<std::int64_t>(rng.below(120));
    } while (!env.observation().available(i));
    const auto r = env.step(i);
    sum += r.reward * env.dose_per_position();
    EXPECT_DOUBLE_EQ(r.error, env.error());
  }
  EXPECT_NEAR(sum, start - env.error(), 1e-12);
  EXPECT_DOUBLE_EQ(env.dose(), 0.5);
  EXPECT_THROW(env.step(0), std::invalid_argument);  // budget spent
}

TEST(ScanEnvironment, ErrorIsZeroAtFullSamplingAndVisitedPositionsAreRefused) {
  ScanEnvironment env(6, 4, test_image(6, 4), 24);
  env.step(5);
  EXPECT_THROW(env.step(5), std::invalid_argument);
  for (std::int64_t i = 0; i < 24; ++i) {
    if (env.observation().available(i)) env.step(i);
  }
  EXPECT_TRUE(env.done());
  EXPECT_EQ(env.error(), 0.0);
  env.reset();
  EXPECT_EQ(env.observation().visited_count(), 0u);
}

TEST(ScanEnvironment, OracleGainsAreTheSquaredErrorEachStepWouldRemove) {
  const auto truth = test_image(12, 10);
  ScanEnvironment env(12, 10, truth, 120);
  for (const std::int64_t i : {13, 40, 77, 101, 58}) env.step(i);
  const auto gains = env.error_reductions();
  const double n = 120.0;
  const auto [lo, hi] = std::minmax_element(truth.begin(), truth.end());
  const double scale = *hi - *lo;
  for (const std::int64_t candidate : {0, 22, 64, 90, 119}) {
    ScanEnvironment probe = env;
    const double before = probe.error();
    probe.step(candidate);
    const double sse_before = std::pow(before * scale, 2) * n;
    const double sse_after = std::pow(probe.error() * scale, 2) * n;
    EXPECT_NEAR(gains[static_cast<std::size_t>(candidate)], sse_before - sse_after, 1e-9)
        << candidate;
  }
  EXPECT_EQ(gains[13], 0.0);  // measured: nothing to gain
}

TEST(ScanEnvironment, RejectsMismatchedTruthAndBudget) {
  EXPECT_THROW(ScanEnvironment(4, 4, std::vector<double>(15), 4), std::invalid_argument);
  EXPECT_THROW(ScanEnvironment(4, 4, std::vector<double>(16), 0), std::invalid_argument);
  EXPECT_THROW(ScanEnvironment(4, 4, std::vector<double>(16), 17), std::invalid_argument);
}

}  // namespace
}  // namespace edgeloop::scan
