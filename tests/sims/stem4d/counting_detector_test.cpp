#include "edgeloop/sims/counting_detector.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <stdexcept>
#include <vector>

namespace edgeloop::sims {
namespace {

constexpr std::uint32_t kSize = 32;

std::vector<double> uniform_expected(double per_pixel) {
  return std::vector<double>(std::size_t{kSize} * kSize, per_pixel);
}

TEST(CountingDetector, ElectronsArePoissonAndLandInsideTheirPixels) {
  // Only a 4 x 4 patch is lit.
  std::vector<double> expected(std::size_t{kSize} * kSize, 0.0);
  for (std::uint32_t i = 10; i < 14; ++i) {
    for (std::uint32_t j = 20; j < 24; ++j) expected[i * kSize + j] = 0.5;
  }
  CountingDetector detector({.size = kSize}, 1);
  CountingFrame frame;
  double total = 0.0;
  constexpr int kFrames = 400;
  for (int f = 0; f < kFrames; ++f) {
    detector.expose(expected, static_cast<std::uint64_t>(f), frame);
    total += static_cast<double>(frame.electrons.size());
    for (const ElectronHit& hit : frame.electrons) {
      ASSERT_GE(hit.x, 20.0);
      ASSERT_LT(hit.x, 24.0);
      ASSERT_GE(hit.y, 10.0);
      ASSERT_LT(hit.y, 14.0);
    }
  }
  // 8 electrons per frame on average, Poisson: the mean over 400 frames within 5 sigma.
  EXPECT_NEAR(total / kFrames, 8.0, 5.0 * std::sqrt(8.0 / kFrames));
}

TEST(CountingDetector, ChargeIsConservedAndSpreadAsSet) {
  CountingDetector detector({.size = kSize,
                             .cloud_sigma_px = 0.4,
                             .gain_adu = 100.0,
                             .gain_spread = 0.1,
                             .read_noise_adu = 0.0},
                            2);
  // Electrons well inside the sensor: nothing is lost past its edge.
  std::vector<double> expected(std::size_t{kSize} * kSize, 0.0);
  for (std::uint32_t i = 8; i < 24; ++i) {
    for (std::uint32_t j = 8; j < 24; ++j) expected[i * kSize + j] = 0.05;
  }
  CountingFrame frame;
  double sum = 0.0;
  double sum2 = 0.0;
  std::size_t n = 0;
  for (std::uint64_t f = 0; f < 200; ++f) {
    detector.expose(expected, f, frame);
    double deposited = 0.0;
    for (const ElectronHit& hit : frame.electrons) {
      deposited += hit.charge_adu;
      sum += hit.charge_adu;
      sum2 += hit.charge_adu * hit.charge_adu;
      ++n;
    }
    double recorded = 0.0;
    for (const float v : frame.adu) recorded += static_cast<double>(v);
    ASSERT_NEAR(recorded, deposited, 1e-3 * std::max(1.0, deposited));
  }
  ASSERT_GT(n, 1000U);
  const double mean = sum / static_cast<double>(n);
  const double rms = std::sqrt(sum2 / static_cast<double>(n) - mean * mean);
  EXPECT_NEAR(mean, 100.0, 1.0);
  EXPECT_NEAR(rms / mean, 0.1, 0.01);
}

// A cloud of sigma 0.4 px landing anywhere in a pixel leaves between (2 Phi(1.25) - 1)^2 = 62%
// (at the centre) and 25% (at a corner) of its charge in that pixel; sigma 0 leaves it all.
TEST(CountingDetector, TheCloudSharesChargeWithNeighbours) {
  std::vector<double> expected(std::size_t{kSize} * kSize, 0.0);
  expected[16 * kSize + 16] = 1.0;
  for (const double sigma : {0.0, 0.4}) {
    CountingDetector detector(
        {.size = kSize, .cloud_sigma_px = sigma, .gain_spread = 0.0, .read_noise_adu = 0.0}, 3);
    CountingFrame frame;
    for (std::uint64_t f = 0; f < 50; ++f) {
      detector.expose(expected, f, frame);
      if (frame.electrons.size() != 1) continue;
      const double centre = static_cast<double>(frame.adu[16 * kSize + 16]) / 100.0;
      if (sigma == 0.0) {
        EXPECT_NEAR(centre, 1.0, 1e-6);
      } else {
        EXPECT_GT(centre, 0.24);
        EXPECT_LT(centre, 0.63);
      }
    }
  }
}

TEST(CountingDetector, ReadNoiseHasTheSetRms) {
  CountingDetector detector({.size = kSize, .read_noise_adu = 2.5}, 4);
  CountingFrame frame;
  double sum = 0.0;
  double sum2 = 0.0;
  for (std::uint64_t f = 0; f < 20; ++f) {
    detector.expose(uniform_expected(0.0), f, frame);
    EXPECT_TRUE(frame.electrons.empty());
    for (const float v : frame.adu) {
      sum += static_cast<double>(v);
      sum2 += static_cast<double>(v) * static_cast<double>(v);
    }
  }
  const double n = 20.0 * kSize * kSize;
  EXPECT_NEAR(sum / n, 0.0, 5.0 * 2.5 / std::sqrt(n));
  EXPECT_NEAR(std::sqrt(sum2 / n), 2.5, 0.05);
}

TEST(CountingDetector, SameSeedAndFrameGiveTheSameExposure) {
  CountingDetector a({.size = kSize}, 7);
  CountingDetector b({.size = kSize}, 7);
  CountingFrame fa;
  CountingFrame fb;
  a.expose(uniform_expected(0.02), 5, fa);
  b.expose(uniform_expected(0.02), 5, fb);
  EXPECT_EQ(fa.adu, fb.adu);
  ASSERT_EQ(fa.electrons.size(), fb.electrons.size());
  a.expose(uniform_expected(0.02), 6, fa);
  EXPECT_NE(fa.adu, fb.adu);
}

TEST(CountingDetector, HotAndDeadPixelsBelongToTheSensor) {
  CountingDetector detector({.size = kSize,
                             .read_noise_adu = 1.0,
                             .hot_pixel_fraction = 0.01,
                             .hot_pixel_adu = 500.0,
                             .dead_pixel_fraction = 0.005},
                            8);
  EXPECT_EQ(detector.hot_pixels().size(), 10U);  // 1% of 1024
  EXPECT_EQ(detector.dead_pixels().size(), 5U);
  CountingFrame frame;
  for (std::uint64_t f = 0; f < 3; ++f) {
    detector.expose(uniform_expected(0.0), f, frame);
    for (const std::uint32_t p : detector.hot_pixels()) EXPECT_GT(frame.adu[p], 490.0F);
    for (const std::uint32_t p : detector.dead_pixels()) EXPECT_EQ(frame.adu[p], 0.0F);
  }
  for (const std::uint32_t p : detector.hot_pixels()) {
    EXPECT_EQ(std::count(detector.dead_pixels().begin(), detector.dead_pixels().end(), p), 0);
  }
}

TEST(CountingDetector, DigitizeAddsThePedestalRoundsAndClamps) {
  const std::vector<float> adu = {-3.4F, 0.5F, 100.2F, -500.0F, 70000.0F};
  std::vector<std::uint16_t> out(adu.size());
  CountingDetector::digitize(adu, 100.0, out);
  EXPECT_EQ(out, (std::vector<std::uint16_t>{97, 101, 200, 0, 65535}));
  std::vector<std::uint16_t> wrong(2);
  EXPECT_THROW(CountingDetector::digitize(adu, 0.0, wrong), std::invalid_argument);
}

TEST(CountingDetector, BadSettingsAndInputsAreRefused) {
  EXPECT_THROW(CountingDetector({.size = 8}, 1), std::invalid_argument);
  EXPECT_THROW(CountingDetector({.cloud_sigma_px = 3.0}, 1), std::invalid_argument);
  EXPECT_THROW(CountingDetector({.gain_adu = 0.0}, 1), std::invalid_argument);
  EXPECT_THROW(CountingDetector({.gain_spread = -0.1}, 1), std::invalid_argument);
  EXPECT_THROW(CountingDetector({.read_noise_adu = std::nan("")}, 1), std::invalid_argument);
  EXPECT_THROW(CountingDetector({.hot_pixel_fraction = 0.5}, 1), std::invalid_argument);
  CountingDetector detector({.size = kSize}, 1);
  CountingFrame frame;
  EXPECT_THROW(detector.expose(std::vector<double>(10, 0.0), 0, frame), std::invalid_argument);
  auto negative = uniform_expected(0.0);
  negative[3] = -1.0;
  EXPECT_THROW(detector.expose(negative, 0, frame), std::invalid_argument);
}

}  // namespace
}  // namespace edgeloop::sims
