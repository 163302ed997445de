#include "edgeloop/pipeline/ml/classify_stage.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <numeric>

#include "ml_test_support.hpp"

namespace edgeloop::ml {
namespace {

using testing::disc_frame;
using testing::ScratchDir;

const Product& find(const std::vector<Product>& products, const std::string& name) {
  for (const auto& p : products) {
    if (p.name == name) return p;
  }
  throw std::runtime_error("no product " + name);
}

class ClassifyStageTest : public ::testing::Test {
 protected:
  void SetUp() override { manifest_ = testing::save_classifier(path()); }
  std::filesystem::path path() const { return dir_.path() / "c.pt"; }

  ScratchDir dir_;
  ModelManifest manifest_;
};

TEST_F(ClassifyStageTest, MissingOrCorruptModelIsAModelFileErrorAtConfigure) {
  ClassifyStage stage;
  EXPECT_THROW(stage.configure({{"model", (dir_.path() / "nope.pt").string()}}), ModelFileError);
  {
    std::fstream f(path(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    f.put('\x7f');
  }
  try {
    stage.configure({{"model", path().string()}});
    FAIL() << "a corrupt model was accepted";
  } catch (const ModelFileError& e) {
    EXPECT_NE(std::string(e.what()).find("corrupt"), std::string::npos) << e.what();
  }
}

TEST_F(ClassifyStageTest, BadParametersAreNamed) {
  ClassifyStage stage;
  EXPECT_THROW(stage.configure(nlohmann::json::object()), std::invalid_argument);
  const auto model = path().string();
  EXPECT_THROW(stage.configure({{"model", model}, {"mc_samples", 0}}), std::invalid_argument);
  EXPECT_THROW(stage.configure({{"model", model}, {"scan_nx", 4}}), std::invalid_argument);
  EXPECT_THROW(stage.configure({{"model", model}, {"speed", 4}}), std::invalid_argument);
}

TEST_F(ClassifyStageTest, PerFrameProductsAreConsistent) {
  ClassifyStage stage;
  stage.configure({{"model", path().string()}, {"mc_samples", 8}});
  EXPECT_EQ(stage.class_names(), (std::vector<std::string>{"a", "b", "c"}));
  const auto d = stage.describe();
  EXPECT_EQ(d.name, "classify");
  EXPECT_EQ(d.parameters.at("model_manifest").at("weights_sha256"), manifest_.weights_sha256);
  EXPECT_EQ(d.parameters.at("mc_samples"), 8);

  std::vector<Product> out;
  stage.process(disc_frame(40, 3), out);
  const auto& p = find(out, "probabilities").values;
  ASSERT_EQ(p.size(), 3U);
  EXPECT_NEAR(std::accumulate(p.begin(), p.end(), 0.0), 1.0, 1e-9);
  const auto label = static_cast<std::size_t>(find(out, "class").values.at(0));
  EXPECT_EQ(label, static_cast<std::size_t>(std::max_element(p.begin(), p.end()) - p.begin()));
  const double h = find(out, "entropy").values.at(0);
  const double mi = find(out, "mutual_information").values.at(0);
  EXPECT_GE(mi, 0.0);
  EXPECT_LE(mi, h + 1e-12);
  EXPECT_LE(h, std::log(3.0) + 1e-12);
  EXPECT_GT(mi, 0.0);  // dropout samples of an untrained head disagree a little
}

TEST_F(ClassifyStageTest, OneSampleMeansNoDropoutAndNoMutualInformation) {
  ClassifyStage stage;
  stage.configure({{"model", path().string()}, {"mc_samples", 1}});
  std::vector<Product> out;
  stage.process(disc_frame(40, 3), out);
  EXPECT_NEAR(find(out, "mutual_information").values.at(0), 0.0, 1e-12);
}

TEST_F(ClassifyStageTest, ResultsDoNotDependOnBatchingOrRepeats) {
  std::vector<Frame> frames;
  for (std::uint64_t i = 0; i < 5; ++i) frames.push_back(disc_frame(32, i));
  std::vector<const Frame*> all;
  for (const auto& f : frames) all.push_back(&f);

  ClassifyStage batched;
  batched.configure({{"model", path().string()}, {"seed", 11}});
  std::vector<std::vector<Product>> together;
  batched.process_batch(all, together);

  ClassifyStage single;
  single.configure({{"model", path().string()}, {"seed", 11}});
  for (std::size_t i = 0; i < frames.size(); ++i) {
    std::vector<Product> one;
    single.process(frames[i], one);
    // Equal up to float rounding: the convolutions block batches differently; the dropout
    // masks are the frame's own.
    const auto& a = find(one, "probabilities").values;
    const auto& b = find(together[i], "probabilities").values;
    for (std::size_t c = 0; c < a.size(); ++c) EXPECT_NEAR(a[c], b[c], 1e-5);
    EXPECT_NEAR(find(one, "mutual_information").values[0],
                find(together[i], "mutual_information").values[0], 1e-5);
  }
  // The same frame twice gives the same bits.
  std::vector<Product> first;
  std::vector<Product> second;
  single.process(frames[0], first);
  single.process(frames[0], second);
  EXPECT_EQ(find(first, "probabilities").values, find(second, "probabilities").values);
}

TEST_F(ClassifyStageTest, MapsFollowTheScanGrid) {
  ClassifyStage stage;
  stage.configure({{"model", path().string()}, {"scan_nx", 3}, {"scan_ny", 2}});
  std::vector<Product> out;
  stage.process(disc_frame(32, 0, 4), out);  // x = 1, y = 1
  stage.process(disc_frame(32, 1, 4), out);  // revisited
  stage.process(disc_frame(32, 2, 0), out);
  std::vector<Product> maps;
  stage.snapshot(maps);
  const auto& cls = find(maps, "class_map");
  EXPECT_EQ(cls.shape, (std::vector<std::uint32_t>{2, 3}));
  EXPECT_FALSE(std::isnan(cls.values[4]));
  EXPECT_FALSE(std::isnan(cls.values[0]));
  EXPECT_TRUE(std::isnan(cls.values[1]));
  EXPECT_EQ(find(maps, "classified_map").values[4], 2.0);
  EXPECT_TRUE(std::isnan(find(maps, "entropy_map").values[1]));
  EXPECT_GE(find(maps, "mutual_information_map").values[0], 0.0);
  const auto& prob = find(maps, "probability_map");
  EXPECT_EQ(prob.shape, (std::vector<std::uint32_t>{3, 2, 3}));
  EXPECT_NEAR(prob.values[4] + prob.values[6 + 4] + prob.values[12 + 4], 1.0, 1e-9);

  std::vector<Product> finished;
  stage.finish(finished);
  EXPECT_EQ(find(finished, "class_map").values[4], cls.values[4]);

  Frame off = disc_frame(32, 9, 6);
  EXPECT_THROW(stage.process(off, out), std::out_of_range);
  std::vector<Product> after;
  stage.snapshot(after);
  EXPECT_EQ(find(after, "classified_map").values, find(maps, "classified_map").values);
}

TEST_F(ClassifyStageTest, WithoutAGridThereAreNoMaps) {
  ClassifyStage stage;
  stage.configure({{"model", path().string()}});
  std::vector<Product> out;
  stage.process(disc_frame(32), out);
  std::vector<Product> maps;
  stage.snapshot(maps);
  EXPECT_TRUE(maps.empty());
}

}  // namespace
}  // namespace edgeloop::ml
