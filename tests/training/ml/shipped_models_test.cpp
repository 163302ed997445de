// The models in models/ meet the done-when criteria on held-out frames, rendered with
// seeds no training run used, through the pipeline stages (inference only).
#include <gtest/gtest.h>

#include <filesystem>

#include "edgeloop/training/ml_training.hpp"

namespace edgeloop::ml {
namespace {

const std::filesystem::path kModels = std::filesystem::path(EDGELOOP_SOURCE_DIR) / "models";
constexpr std::uint64_t kHeldOutSeed = 777001;  // training seeds are small integers

std::filesystem::path shipped(const std::string& name) {
  const auto path = kModels / (name + ".pt");
  if (!std::filesystem::exists(path)) ADD_FAILURE() << "missing shipped model " << path;
  return path;
}

void expect_denoiser_criteria(const nlohmann::json& r) {
  SCOPED_TRACE(r.dump(2));
  const auto& low = r.at("doses").at("low");
  EXPECT_GE(low.at("gain_db").get<double>(), 6.0);
  EXPECT_GT(low.at("psnr_cnn_db").get<double>(), low.at("psnr_gaussian_db").get<double>());
  const auto& standard = r.at("doses").at("standard");
  EXPECT_GT(standard.at("psnr_cnn_db").get<double>(), standard.at("psnr_noisy_db").get<double>());
}

TEST(ShippedModels, Denoiser4DStemGainsSixDecibelsAndBeatsGaussian) {
  expect_denoiser_criteria(
      evaluate_denoiser(shipped("denoiser-4dstem"), Modality::Stem4D, kHeldOutSeed, 6));
}

TEST(ShippedModels, DenoiserSaxsGainsSixDecibelsAndBeatsGaussian) {
  expect_denoiser_criteria(
      evaluate_denoiser(shipped("denoiser-saxs"), Modality::Saxs, kHeldOutSeed, 4));
}

TEST(ShippedModels, Classifier4DStemIsAccurateCalibratedAndUnsureAtBoundaries) {
  const auto r =
      evaluate_classifier(shipped("classifier-4dstem"), Modality::Stem4D, kHeldOutSeed, 240, 16);
  SCOPED_TRACE(r.dump(2));
  EXPECT_GE(r.at("accuracy").get<double>(), 0.95);
  EXPECT_LE(r.at("ece_15_bins").get<double>(), 0.05);
  const auto& g = r.at("grain_boundary");
  EXPECT_GT(g.at("mean_entropy_boundary_nat").get<double>(),
            g.at("mean_entropy_interior_nat").get<double>());
}

TEST(ShippedModels, ClassifierSaxsIsAccurateAndCalibrated) {
  const auto r =
      evaluate_classifier(shipped("classifier-saxs"), Modality::Saxs, kHeldOutSeed, 240, 16);
  SCOPED_TRACE(r.dump(2));
  EXPECT_GE(r.at("accuracy").get<double>(), 0.95);
  EXPECT_LE(r.at("ece_15_bins").get<double>(), 0.05);
}

TEST(ShippedModels, ClassifierSaxsReadsTheDetectorsFullFrames) {
  // Trained on 8 x 8-binned frames; the daemon hands it whole 1024^2 frames with their gaps
  // marked, which the network pools to the same 128^2.
  const auto r =
      evaluate_classifier(shipped("classifier-saxs"), Modality::Saxs, kHeldOutSeed + 1, 24, 16, 1);
  SCOPED_TRACE(r.dump(2));
  EXPECT_GE(r.at("accuracy").get<double>(), 0.9);
}

TEST(ShippedModels, ManifestsNameTheirTrainingAndMetrics) {
  for (const char* name :
       {"denoiser-4dstem", "denoiser-saxs", "classifier-4dstem", "classifier-saxs"}) {
    SCOPED_TRACE(name);
    const auto m = read_manifest(shipped(name));
    EXPECT_FALSE(m.metrics.empty());
    EXPECT_TRUE(m.training.contains("steps"));
    EXPECT_LT(std::filesystem::file_size(shipped(name)), 1U << 20U);
  }
}

}  // namespace
}  // namespace edgeloop::ml
