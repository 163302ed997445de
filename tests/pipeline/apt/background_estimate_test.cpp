#include "edgeloop/pipeline/apt/background_estimate.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>

namespace edgeloop {
namespace {

TEST(BackgroundEstimate, FlatSharesAreWidthRatios) {
  const BackgroundEstimate b(40.0, 60.0, BackgroundModel::Flat);
  EXPECT_NEAR(b.share(26.8, 27.4), 0.6 / 20.0, 1e-15);
  EXPECT_DOUBLE_EQ(b.share(40.0, 60.0), 1.0);
  EXPECT_DOUBLE_EQ(b.level(200.0, 27.0), 10.0);
  EXPECT_DOUBLE_EQ(b.level(200.0, 50.0), 10.0);
}

TEST(BackgroundEstimate, InverseSqrtFollowsUniformTimeOfFlight) {
  const BackgroundEstimate b(40.0, 60.0, BackgroundModel::InverseSqrt);
  const double window = std::sqrt(60.0) - std::sqrt(40.0);
  EXPECT_NEAR(b.share(12.8, 13.2), (std::sqrt(13.2) - std::sqrt(12.8)) / window, 1e-15);
  // Density c / sqrt(m) with c = n / (2 (sqrt(60) - sqrt(40))).
  EXPECT_NEAR(b.level(100.0, 25.0), 100.0 / (2.0 * window) / 5.0, 1e-12);
  // The same width holds more background at low mass: sqrt(50 / 13) more at 13 Da than 50.
  EXPECT_NEAR(b.share(12.9, 13.1) / b.share(49.9, 50.1), std::sqrt(50.0 / 13.0), 1e-3);
}

TEST(BackgroundEstimate, ModelsByName) {
  EXPECT_EQ(background_model_from("flat"), BackgroundModel::Flat);
  EXPECT_EQ(background_model_from("inverse_sqrt"), BackgroundModel::InverseSqrt);
  EXPECT_EQ(background_model_name(BackgroundModel::InverseSqrt), "inverse_sqrt");
  EXPECT_THROW(background_model_from("linear"), std::invalid_argument);
}

TEST(BackgroundEstimate, RefusesEmptyOrNegativeWindows) {
  EXPECT_THROW(BackgroundEstimate(50.0, 40.0, BackgroundModel::Flat), std::invalid_argument);
  EXPECT_THROW(BackgroundEstimate(40.0, 40.0, BackgroundModel::Flat), std::invalid_argument);
  EXPECT_THROW(BackgroundEstimate(-1.0, 40.0, BackgroundModel::InverseSqrt), std::invalid_argument);
  EXPECT_THROW(
      BackgroundEstimate(1.0, std::numeric_limits<double>::infinity(), BackgroundModel::Flat),
      std::invalid_argument);
}

}  // namespace
}  // namespace edgeloop
