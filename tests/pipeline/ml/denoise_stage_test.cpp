#include "edgeloop/pipeline/ml/denoise_stage.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "ml_test_support.hpp"

namespace edgeloop::ml {
namespace {

using testing::disc_frame;
using testing::ScratchDir;

std::vector<std::vector<Product>> run(Stage& stage, const std::vector<Frame>& frames) {
  std::vector<const Frame*> p;
  for (const auto& f : frames) p.push_back(&f);
  std::vector<std::vector<Product>> out;
  stage.process_batch(p, out);
  return out;
}

TEST(DenoiseStage, MissingModelIsAModelFileErrorAtConfigure) {
  ScratchDir dir;
  DenoiseStage stage;
  try {
    stage.configure({{"model", (dir.path() / "absent.pt").string()}});
    FAIL() << "configured without a model";
  } catch (const ModelFileError& e) {
    EXPECT_NE(std::string(e.what()).find("absent"), std::string::npos) << e.what();
  }
}

TEST(DenoiseStage, CorruptModelIsAModelFileErrorAtConfigure) {
  ScratchDir dir;
  const auto path = dir.path() / "d.pt";
  testing::save_denoiser(path);
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - 1);
  DenoiseStage stage;
  EXPECT_THROW(stage.configure({{"model", path.string()}}), ModelFileError);
}

TEST(DenoiseStage, AClassifierIsNotADenoiser) {
  ScratchDir dir;
  const auto path = dir.path() / "c.pt";
  testing::save_classifier(path);
  DenoiseStage stage;
  EXPECT_THROW(stage.configure({{"model", path.string()}}), ModelFileError);
}

TEST(DenoiseStage, BadParametersAreNamed) {
  DenoiseStage stage;
  EXPECT_THROW(stage.configure(nlohmann::json::object()), std::invalid_argument);  // no model
  EXPECT_THROW(stage.configure({{"method", "median"}}), std::invalid_argument);
  EXPECT_THROW(stage.configure({{"method", "gaussian"}, {"sigma", -1}}), std::invalid_argument);
  EXPECT_THROW(stage.configure({{"method", "gaussian"}, {"colour", 1}}), std::invalid_argument);
  EXPECT_THROW(stage.configure({{"method", "gaussian"}, {"bin", 0}}), std::invalid_argument);
}

TEST(DenoiseStage, CnnKeepsTheFrameShapeAndRecordsTheModel) {
  ScratchDir dir;
  const auto path = dir.path() / "d.pt";
  const auto manifest = testing::save_denoiser(path);
  DenoiseStage stage;
  stage.configure({{"model", path.string()}});
  const auto d = stage.describe();
  EXPECT_EQ(d.name, "denoise");
  EXPECT_EQ(d.parameters.at("model_manifest").at("weights_sha256"), manifest.weights_sha256);
  EXPECT_EQ(d.parameters.at("model_manifest").at("data_seed"), 7);
  EXPECT_EQ(d.parameters.at("bin"), 1);

  std::vector<Frame> frames;
  frames.push_back(disc_frame(24, 0));
  frames.push_back(disc_frame(24, 1));
  frames.push_back(disc_frame(32, 2));  // a different size in the same batch
  const auto out = run(stage, frames);
  ASSERT_EQ(out.size(), 3U);
  ASSERT_EQ(out[0].size(), 1U);
  EXPECT_EQ(out[0][0].name, "denoised");
  EXPECT_EQ(out[0][0].shape, (std::vector<std::uint32_t>{24, 24}));
  EXPECT_EQ(out[2][0].shape, (std::vector<std::uint32_t>{32, 32}));
  for (const double v : out[2][0].values) {
    EXPECT_TRUE(std::isfinite(v));
    EXPECT_GT(v, 0.0);
  }
  // Deterministic, and a frame's result does not depend on its batch beyond float rounding
  // (LibTorch's convolutions block batches differently).
  DenoiseStage again;
  again.configure({{"model", path.string()}});
  std::vector<Product> single;
  again.process(frames[1], single);
  ASSERT_EQ(single[0].values.size(), out[1][0].values.size());
  for (std::size_t i = 0; i < single[0].values.size(); ++i) {
    EXPECT_NEAR(single[0].values[i], out[1][0].values[i], 1e-5 * (1.0 + out[1][0].values[i]));
  }
  std::vector<Product> repeat;
  again.process(frames[1], repeat);
  EXPECT_EQ(single[0].values, repeat[0].values);
}

TEST(DenoiseStage, InvalidPixelsComeOutAsNaN) {
  DenoiseStage stage;
  stage.configure({{"method", "gaussian"}, {"sigma", 1.0}});
  std::vector<std::uint32_t> px(16 * 16, 10);
  px[5] = std::numeric_limits<std::uint32_t>::max();
  std::vector<Product> out;
  stage.process(testing::image_frame(px, 16, 16, wire::DType::U32), out);
  ASSERT_EQ(out.size(), 1U);
  EXPECT_TRUE(std::isnan(out[0].values[5]));
  EXPECT_NEAR(out[0].values[4], 10.0, 1e-9);  // the gap does not pull its neighbours down
  EXPECT_NEAR(out[0].values[100], 10.0, 1e-9);
}

TEST(DenoiseStage, BinningSumsBlocksAndScalesPartialOnes) {
  DenoiseStage stage;
  stage.configure({{"method", "gaussian"}, {"sigma", 0.1}, {"bin", 2}});
  std::vector<std::uint32_t> px(4 * 6, 3);
  px[0] = std::numeric_limits<std::uint32_t>::max();  // a quarter of the first block
  std::vector<Product> out;
  stage.process(testing::image_frame(px, 4, 6, wire::DType::U32), out);
  EXPECT_EQ(out[0].shape, (std::vector<std::uint32_t>{2, 3}));
  for (const double v : out[0].values) EXPECT_NEAR(v, 12.0, 1e-6);
}

TEST(DenoiseStage, RefusesFramesThatAreNotImages) {
  DenoiseStage stage;
  stage.configure({{"method", "gaussian"}});
  Frame f = disc_frame(8);
  f.meta.shape = {8, 9};  // more pixels than the payload holds
  std::vector<Product> out;
  EXPECT_THROW(stage.process(f, out), std::invalid_argument);
  EXPECT_EQ(stage.metrics().failed, 1U);
}

}  // namespace
}  // namespace edgeloop::ml
