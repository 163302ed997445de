#include "edgeloop/pipeline/ml/predictive_uncertainty.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "edgeloop/pipeline/ml/gaussian_denoiser.hpp"

namespace edgeloop::ml {
namespace {

TEST(PredictiveUncertainty, AgreeingSamplesHaveNoMutualInformation) {
  const std::vector<double> s = {0.5, 0.5, 0.5, 0.5};
  const auto u = summarise_samples(s, 2);
  EXPECT_NEAR(u.entropy, std::log(2.0), 1e-12);
  EXPECT_NEAR(u.mutual_information, 0.0, 1e-12);
}

TEST(PredictiveUncertainty, DisagreeingConfidentSamplesAreEpistemic) {
  const std::vector<double> s = {1.0, 0.0, 0.0, 1.0};
  const auto u = summarise_samples(s, 2);
  EXPECT_EQ(u.probabilities, (std::vector<double>{0.5, 0.5}));
  EXPECT_NEAR(u.entropy, std::log(2.0), 1e-12);
  EXPECT_NEAR(u.mutual_information, std::log(2.0), 1e-12);
  EXPECT_EQ(u.label, 0U);
}

TEST(PredictiveUncertainty, RefusesMisshapenInput) {
  const std::vector<double> s = {0.2, 0.3, 0.5};
  EXPECT_THROW(summarise_samples(s, 2), std::invalid_argument);
  EXPECT_THROW(summarise_samples({}, 2), std::invalid_argument);
}

TEST(CalibrationError, PerfectAndOverconfident) {
  const std::vector<double> conf = {0.75, 0.75, 0.75, 0.75};
  const std::vector<std::uint8_t> three_of_four = {1, 1, 1, 0};
  EXPECT_NEAR(expected_calibration_error(conf, three_of_four), 0.0, 1e-12);
  const std::vector<std::uint8_t> half = {1, 1, 0, 0};
  EXPECT_NEAR(expected_calibration_error(conf, half), 0.25, 1e-12);
}

TEST(Psnr, DefinitionAndPerfectEstimate) {
  const std::vector<double> truth = {0.0, 10.0, 5.0, 5.0};
  const std::vector<double> est = {1.0, 9.0, 5.0, 5.0};  // mse 0.5, peak 10
  EXPECT_NEAR(psnr_db(est, truth), 10.0 * std::log10(100.0 / 0.5), 1e-9);
  EXPECT_TRUE(std::isinf(psnr_db(truth, truth)));
}

TEST(GaussianDenoiser, KeepsConstantsAndSmoothsNoise) {
  const GaussianDenoiser g(1.5);
  std::vector<double> flat(20 * 20, 4.0);
  std::vector<double> out(flat.size());
  g.apply(flat, {}, 20, 20, out);
  for (const double v : out) EXPECT_NEAR(v, 4.0, 1e-12);
  std::vector<double> checker(flat.size());
  for (std::size_t i = 0; i < checker.size(); ++i)
    checker[i] = (i / 20 + i % 20) % 2 == 0 ? 0.0 : 2.0;
  g.apply(checker, {}, 20, 20, out);
  EXPECT_NEAR(out[210], 1.0, 0.05);
  EXPECT_THROW(GaussianDenoiser(0.0), std::invalid_argument);
}

}  // namespace
}  // namespace edgeloop::ml
