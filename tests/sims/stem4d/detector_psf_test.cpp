#include "edgeloop/sims/detector_psf.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <stdexcept>
#include <vector>

namespace edgeloop::sims {
namespace {

constexpr std::uint32_t kSize = 64;

// A sharp vertical edge: 1 left of column 32, 0 from it on.
std::vector<double> step_edge() {
  std::vector<double> image(kSize * kSize, 0.0);
  for (std::uint32_t i = 0; i < kSize; ++i) {
    for (std::uint32_t j = 0; j < kSize / 2; ++j) image[i * kSize + j] = 1.0;
  }
  return image;
}

TEST(GaussianPsf, ZeroSigmaLeavesTheImageAlone) {
  GaussianPsf psf(0.0);
  EXPECT_FALSE(psf.enabled());
  auto image = step_edge();
  const auto before = image;
  psf.apply(image, kSize);
  EXPECT_EQ(image, before);
}

// The edge spreads into an error function of the configured sigma: the row's derivative (the
// line-spread function) has variance sigma^2 + 1/12, the pixel's own width included.
TEST(GaussianPsf, SpreadsASharpEdgeBySigma) {
  for (const double sigma : {0.7, 1.5, 3.0}) {
    GaussianPsf psf(sigma);
    auto image = step_edge();
    psf.apply(image, kSize);
    const double* row = image.data() + 32 * kSize;  // away from the top and bottom
    double weight = 0.0;
    double first = 0.0;
    double second = 0.0;
    // Columns 14..50: the edge spreads 4 sigma (12 px) either side of 32, and the charge lost
    // past the sensor's own edges (columns 0 and 63) stays out of the sums.
    for (std::uint32_t j = 14; j < 50; ++j) {
      const double slope = row[j] - row[j + 1];
      const double x = j + 1.0;  // the slope sits between j and j + 1: edge at 32
      weight += slope;
      first += slope * x;
      second += slope * x * x;
    }
    const double mean = first / weight;
    EXPECT_NEAR(weight, 1.0, 1e-9);
    EXPECT_NEAR(mean, 32.0, 1e-9) << "a symmetric kernel does not move the edge";
    EXPECT_NEAR(second / weight - mean * mean, sigma * sigma + 1.0 / 12.0, 0.01) << sigma;
    // Half-way down, right at the edge, and the error function's 84% one sigma inside.
    EXPECT_NEAR(0.5 * (row[31] + row[32]), 0.5, 0.01);
    if (sigma >= 1.5) {
      EXPECT_NEAR(row[static_cast<int>(std::lround(32 - sigma)) - 1], 0.84, 0.06) << sigma;
    }
  }
}

TEST(GaussianPsf, KeepsChargeAwayFromTheEdgesAndLosesItPastThem) {
  GaussianPsf psf(2.0);
  std::vector<double> image(kSize * kSize, 0.0);
  image[32 * kSize + 32] = 100.0;
  psf.apply(image, kSize);
  EXPECT_NEAR(std::accumulate(image.begin(), image.end(), 0.0), 100.0, 1e-9);
  // Charge spread past the sensor's edge is gone, as on a real sensor.
  std::vector<double> corner(kSize * kSize, 0.0);
  corner[0] = 100.0;
  psf.apply(corner, kSize);
  const double kept = std::accumulate(corner.begin(), corner.end(), 0.0);
  EXPECT_LT(kept, 50.0);
  EXPECT_GT(kept, 20.0);
}

TEST(GaussianPsf, RejectsBadArguments) {
  EXPECT_THROW(GaussianPsf(-1.0), std::invalid_argument);
  EXPECT_THROW(GaussianPsf(NAN), std::invalid_argument);
  EXPECT_THROW(GaussianPsf(100.0), std::invalid_argument);
  GaussianPsf psf(1.0);
  std::vector<double> wrong(10);
  EXPECT_THROW(psf.apply(wrong, kSize), std::invalid_argument);
}

}  // namespace
}  // namespace edgeloop::sims
