#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <numeric>

#include "edgeloop/training/ml_training.hpp"

namespace edgeloop::ml {
namespace {

double mean(const std::vector<double>& v, std::size_t begin, std::size_t end) {
  return std::accumulate(v.begin() + static_cast<std::ptrdiff_t>(begin),
                         v.begin() + static_cast<std::ptrdiff_t>(end), 0.0) /
         static_cast<double>(end - begin);
}

DenoiserTraining tiny_denoiser() {
  DenoiserTraining c;
  c.seed = 42;
  c.steps = 30;
  c.batch = 4;
  c.crop = 32;
  c.channels = 6;
  c.depth = 3;
  c.learning_rate = 5e-3;
  c.eval_frames = 0;
  c.progress = false;
  return c;
}

TEST(DenoiserTrainer, OneSeedGivesTheSameWeightsAndTheLossFalls) {
  const auto a = train_denoiser(tiny_denoiser());
  const auto b = train_denoiser(tiny_denoiser());
  EXPECT_EQ(a.weights_sha256, b.weights_sha256);
  EXPECT_EQ(a.losses, b.losses);
  ASSERT_EQ(a.losses.size(), 30U);
  EXPECT_LT(mean(a.losses, 20, 30), mean(a.losses, 0, 10));
  auto other = tiny_denoiser();
  other.seed = 43;
  EXPECT_NE(train_denoiser(other).weights_sha256, a.weights_sha256);
}

TEST(ClassifierTrainer, OneSeedGivesTheSameWeightsAndTheLossFalls) {
  ClassifierTraining c;
  c.modality = Modality::Saxs;  // a bank of SAXS states is the quicker source
  c.seed = 5;
  c.steps = 40;
  c.batch = 8;
  c.channels = 4;
  c.learning_rate = 5e-3;
  c.saxs_states_per_class = 6;
  c.calibration_frames = 32;
  c.eval_frames = 0;
  c.progress = false;
  const auto a = train_classifier(c);
  const auto b = train_classifier(c);
  EXPECT_EQ(a.weights_sha256, b.weights_sha256);
  EXPECT_EQ(a.manifest.training.at("temperature"), b.manifest.training.at("temperature"));
  EXPECT_LT(mean(a.losses, 30, 40), mean(a.losses, 0, 10));
}

TEST(TrainCommands, BadOptionsAreRefused) {
  EXPECT_EQ(train_denoiser_command({"--modality", "apt", "--out", "x.pt"}), 2);
  EXPECT_EQ(train_classifier_command({"--steps", "10"}), 2);  // --out is required
  EXPECT_EQ(train_denoiser_command({"--help"}), 0);
}

}  // namespace
}  // namespace edgeloop::ml
