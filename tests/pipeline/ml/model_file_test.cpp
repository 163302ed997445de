#include "edgeloop/pipeline/ml/model_file.hpp"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <fstream>

#include "ml_test_support.hpp"

namespace edgeloop::ml {
namespace {

using testing::save_classifier;
using testing::save_denoiser;
using testing::ScratchDir;

void expect_error_containing(const std::function<void()>& call, const std::string& text) {
  try {
    call();
    FAIL() << "no ModelFileError; expected one mentioning '" << text << "'";
  } catch (const ModelFileError& e) {
    EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
  }
}

TEST(ModelFile, ManifestPathSitsBesideTheWeights) {
  EXPECT_EQ(manifest_path("models/denoiser-4dstem.pt"), "models/denoiser-4dstem.json");
}

TEST(ModelFile, RoundTripRestoresWeightsAndManifest) {
  ScratchDir dir;
  const auto path = dir.path() / "d.pt";
  const auto saved = save_denoiser(path);
  EXPECT_EQ(saved.weights_sha256.size(), 64U);
  EXPECT_FALSE(saved.created_utc.empty());
  EXPECT_TRUE(std::filesystem::exists(path));
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "d.json"));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "d.pt.tmp"));

  const auto read = read_manifest(path);
  EXPECT_EQ(read.to_json(), saved.to_json());
  EXPECT_EQ(read.data_seed, 7U);

  torch::manual_seed(99);  // different initial weights, which loading must overwrite
  DenoiserNet reference(DenoiserShape{4, 3});
  torch::manual_seed(3);
  DenoiserNet original(DenoiserShape{4, 3});
  const auto loaded = load_model(*reference, path, "denoiser", kDenoiserArchitecture);
  EXPECT_EQ(loaded.weights_sha256, saved.weights_sha256);
  const auto a = reference->parameters();
  const auto b = original->parameters();
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(torch::equal(a[i], b[i]));
}

TEST(ModelFile, ClassifierTemperatureTravelsWithTheWeights) {
  ScratchDir dir;
  const auto path = dir.path() / "c.pt";
  ClassifierShape shape{3, 16, 4, 0.3};
  ClassifierNet net(shape);
  net->set_temperature(1.75);
  save_model(*net, path,
             testing::manifest_for("classifier", kClassifierArchitecture, shape.to_json()));
  ClassifierNet other(shape);
  load_model(*other, path, "classifier", kClassifierArchitecture);
  EXPECT_DOUBLE_EQ(other->temperature(), 1.75);
}

TEST(ModelFile, MissingWeightsAreNamed) {
  ScratchDir dir;
  const auto path = dir.path() / "d.pt";
  save_denoiser(path);
  std::filesystem::remove(path);
  DenoiserNet net(DenoiserShape{4, 3});
  expect_error_containing([&] { load_model(*net, path, "denoiser", kDenoiserArchitecture); },
                          "weights file is missing");
}

TEST(ModelFile, MissingManifestIsNamed) {
  ScratchDir dir;
  const auto path = dir.path() / "d.pt";
  save_denoiser(path);
  std::filesystem::remove(dir.path() / "d.json");
  DenoiserNet net(DenoiserShape{4, 3});
  expect_error_containing([&] { load_model(*net, path, "denoiser", kDenoiserArchitecture); },
                          "manifest");
  expect_error_containing([&] { read_manifest(path); }, "is missing");
}

TEST(ModelFile, CorruptedByteFailsTheHashCheck) {
  ScratchDir dir;
  const auto path = dir.path() / "d.pt";
  save_denoiser(path);
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(200);
    char c = 0;
    f.get(c);
    f.seekp(200);
    f.put(static_cast<char>(c ^ 0x5A));
  }
  DenoiserNet net(DenoiserShape{4, 3});
  expect_error_containing([&] { load_model(*net, path, "denoiser", kDenoiserArchitecture); },
                          "is corrupt");
}

TEST(ModelFile, BrokenManifestIsRefused) {
  ScratchDir dir;
  const auto path = dir.path() / "d.pt";
  save_denoiser(path);
  std::ofstream(dir.path() / "d.json") << "{ not json";
  expect_error_containing([&] { read_manifest(path); }, "not valid JSON");
  std::ofstream(dir.path() / "d.json") << R"({"kind": "denoiser"})";
  expect_error_containing([&] { read_manifest(path); }, "lacks \"architecture\"");
  std::ofstream(dir.path() / "d.json")
      << R"({"kind": "denoiser", "architecture": "x", "data_seed": 1, "weights_sha256": "zz"})";
  expect_error_containing([&] { read_manifest(path); }, "not a SHA-256");
}

TEST(ModelFile, WrongKindOrArchitectureIsRefused) {
  ScratchDir dir;
  const auto path = dir.path() / "c.pt";
  save_classifier(path);
  DenoiserNet net(DenoiserShape{4, 3});
  expect_error_containing([&] { load_model(*net, path, "denoiser", kDenoiserArchitecture); },
                          "is a classifier, not a denoiser");
  expect_error_containing([&] { load_model(*net, path, "classifier", "other-arch-v9"); },
                          "this build expects other-arch-v9");
}

TEST(ModelFile, WrongShapesAreRefused) {
  ScratchDir dir;
  const auto path = dir.path() / "d.pt";
  save_denoiser(path, DenoiserShape{4, 3});
  DenoiserNet wider(DenoiserShape{8, 3});
  expect_error_containing([&] { load_model(*wider, path, "denoiser", kDenoiserArchitecture); },
                          "does not fit its architecture");
  DenoiserNet deeper(DenoiserShape{4, 5});
  expect_error_containing([&] { load_model(*deeper, path, "denoiser", kDenoiserArchitecture); },
                          "does not fit its architecture");
}

}  // namespace
}  // namespace edgeloop::ml
