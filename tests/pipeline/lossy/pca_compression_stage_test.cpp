// The PCA compression stage: calibration, per-frame coefficients and errors, the run-level
// basis that decodes them, shape changes and bad parameters.
#include "edgeloop/pipeline/lossy/pca_compression_stage.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <stdexcept>
#include <string>
#include <vector>

#include "lossy_test_frames.hpp"

namespace edgeloop::lossy {
namespace {

using testing::image_frame;

constexpr std::uint32_t kRows = 12;
constexpr std::uint32_t kCols = 10;

// A frame of a smooth family with two degrees of freedom, plus a small deterministic ripple.
std::vector<float> family(std::uint64_t n) {
  const double a = std::sin(0.7 * static_cast<double>(n));
  const double b = std::cos(1.3 * static_cast<double>(n));
  std::vector<float> f(kRows * kCols);
  for (std::uint32_t p = 0; p < f.size(); ++p) {
    const double x = static_cast<double>(p) / static_cast<double>(f.size());
    const double ripple = 0.01 * std::sin(37.0 * x * static_cast<double>(n + 1));
    f[p] = static_cast<float>(5.0 + a * std::sin(std::numbers::pi * x) +
                              0.5 * b * std::cos(3.0 * std::numbers::pi * x) + ripple);
  }
  return f;
}

const Product& find(const std::vector<Product>& products, const std::string& name) {
  const auto it = std::find_if(products.begin(), products.end(),
                               [&](const Product& p) { return p.name == name; });
  if (it == products.end()) throw std::runtime_error("no product " + name);
  return *it;
}

TEST(PcaCompressionStage, CalibratesThenCompressesAndTheRunDecodesEveryFrame) {
  PcaCompressionStage stage;
  stage.configure({{"calibration_frames", 8}, {"components", 3}});
  std::vector<std::vector<Product>> per_frame;
  for (std::uint64_t n = 0; n < 20; ++n) {
    std::vector<Product> out;
    stage.process(image_frame(family(n), kRows, kCols, wire::DType::F32, n), out);
    ASSERT_EQ(out.size(), 5U);
    const Product& c = find(out, "pca_coefficients");
    ASSERT_EQ(c.values.size(), 3U);
    const bool calibration = n < 8;
    EXPECT_EQ(find(out, "pca_calibration").values[0], calibration ? 1.0 : 0.0);
    EXPECT_EQ(std::isnan(c.values[0]), calibration) << n;
    EXPECT_EQ(std::isnan(find(out, "pca_residual").values[0]), calibration) << n;
    if (!calibration) {
      EXPECT_LT(find(out, "pca_residual").values[0], 0.01) << n;
      EXPECT_DOUBLE_EQ(find(out, "pca_compression_ratio").values[0], 120.0 * 4 / (3 * 8.0));
    }
    per_frame.push_back(std::move(out));
  }
  std::vector<Product> end;
  stage.finish(end);
  const Product& mean = find(end, "pca_mean");
  const Product& basis = find(end, "pca_basis");
  const Product& calibration = find(end, "pca_calibration_coefficients");
  ASSERT_EQ(mean.shape, (std::vector<std::uint32_t>{kRows, kCols}));
  ASSERT_EQ(basis.shape, (std::vector<std::uint32_t>{3, kRows, kCols}));
  ASSERT_EQ(calibration.shape, (std::vector<std::uint32_t>{8, 3}));
  const Product& residuals = find(end, "pca_residual_by_frame");
  ASSERT_EQ(residuals.values.size(), 20U);
  ASSERT_EQ(residuals.axes.at(0).values.size(), 20U);
  // Decode every frame from what the run stores, and compare with the reported residual.
  for (std::uint64_t n = 0; n < 20; ++n) {
    const double* c = n < 8 ? calibration.values.data() + n * 3
                            : find(per_frame[n], "pca_coefficients").values.data();
    const std::vector<float> original = family(n);
    double diff2 = 0.0;
    double norm2 = 0.0;
    for (std::size_t p = 0; p < original.size(); ++p) {
      double decoded = mean.values[p];
      for (std::size_t k = 0; k < 3; ++k) decoded += c[k] * basis.values[k * original.size() + p];
      const auto value = static_cast<double>(original[p]);
      diff2 += (value - decoded) * (value - decoded);
      norm2 += value * value;
    }
    const auto at =
        static_cast<std::size_t>(std::find(residuals.axes[0].values.begin(),
                                           residuals.axes[0].values.end(), static_cast<double>(n)) -
                                 residuals.axes[0].values.begin());
    ASSERT_LT(at, 20U);
    EXPECT_NEAR(residuals.values[at], std::sqrt(diff2 / norm2), 1e-9) << n;
  }
  const Product& summary = find(end, "pca_summary");
  ASSERT_EQ(summary.values.size(), 7U);
  EXPECT_EQ(summary.values[0], 8.0);
  EXPECT_EQ(summary.values[1], 3.0);
  EXPECT_GT(summary.values[2], 0.999);
  EXPECT_EQ(summary.values[3], 12.0);
  EXPECT_DOUBLE_EQ(summary.values[5], 20.0);                                     // 480 B / 24 B
  EXPECT_DOUBLE_EQ(summary.values[6], 20 * 480.0 / ((20 * 3 + 4 * 120) * 8.0));  // with basis
}

TEST(PcaCompressionStage, ExplainedVarianceKeepsFewerAndPadsWithNaN) {
  PcaCompressionStage stage;
  stage.configure({{"calibration_frames", 10}, {"components", 6}, {"explained_variance", 0.9}});
  std::vector<Product> out;
  for (std::uint64_t n = 0; n <= 10; ++n) {
    out.clear();
    stage.process(image_frame(family(n), kRows, kCols, wire::DType::F32, n), out);
  }
  const Product& c = find(out, "pca_coefficients");
  ASSERT_EQ(c.values.size(), 6U);  // the shape never changes within a run
  EXPECT_FALSE(std::isnan(c.values[0]));
  EXPECT_TRUE(std::isnan(c.values[5]));
  std::vector<Product> live;
  stage.snapshot(live);
  const double kept = find(live, "pca_summary").values[1];
  EXPECT_GE(kept, 1.0);
  EXPECT_LE(kept, 2.0);
  EXPECT_EQ(find(live, "pca_explained_variance").values.size(), static_cast<std::size_t>(kept));
}

TEST(PcaCompressionStage, AShortRunLearnsAtTheEnd) {
  PcaCompressionStage stage;
  stage.configure({{"calibration_frames", 50}, {"components", 4}});
  std::vector<Product> out;
  for (std::uint64_t n = 0; n < 3; ++n) {
    stage.process(image_frame(family(n), kRows, kCols, wire::DType::F32, n), out);
  }
  std::vector<Product> end;
  stage.finish(end);
  EXPECT_EQ(find(end, "pca_summary").values[0], 3.0);
  EXPECT_LE(find(end, "pca_basis").shape[0], 3U);
  EXPECT_EQ(find(end, "pca_calibration_coefficients").shape, (std::vector<std::uint32_t>{3, 4}));
  EXPECT_EQ(find(end, "pca_residual_by_frame").values.size(), 3U);
}

TEST(PcaCompressionStage, FramesOfAnotherShapeAreRefusedAndTheRunGoesOn) {
  PcaCompressionStage stage;
  stage.configure({{"calibration_frames", 2}, {"components", 1}});
  std::vector<Product> out;
  stage.process(image_frame(family(0), kRows, kCols, wire::DType::F32, 0), out);
  try {
    stage.process(image_frame(family(1), kCols, kRows, wire::DType::F32, 1), out);
    ADD_FAILURE() << "a transposed frame was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("10 x 12 pixels, the run's frames are 12 x 10"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(
      stage.process(image_frame(std::vector<std::uint8_t>(7), 1, 7, wire::DType::U8, 2), out),
      std::invalid_argument);
  std::vector<float> bad = family(3);
  bad[4] = std::nanf("");
  EXPECT_THROW(stage.process(image_frame(bad, kRows, kCols, wire::DType::F32, 3), out),
               std::invalid_argument);
  out.clear();
  stage.process(image_frame(family(4), kRows, kCols, wire::DType::F32, 4), out);
  out.clear();
  stage.process(image_frame(family(5), kRows, kCols, wire::DType::F32, 5), out);
  EXPECT_EQ(find(out, "pca_calibration").values[0], 0.0);
  EXPECT_EQ(stage.metrics().failed, 3U);
}

TEST(PcaCompressionStage, BadParametersNameTheKey) {
  const auto refused = [](const nlohmann::json& p, const std::string& words) {
    PcaCompressionStage stage;
    try {
      stage.configure(p);
      ADD_FAILURE() << "accepted " << p.dump();
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
    }
  };
  refused({{"components", 0}}, "'components' must be within 1..4096");
  refused({{"calibration_frames", 8}, {"components", 9}},
          "'components' (9) must not exceed 'calibration_frames' (8)");
  refused({{"calibration_frames", 1}}, "'calibration_frames' must be within 2..4096");
  refused({{"explained_variance", 0}}, "'explained_variance' must be > 0");
  refused({{"explained_variance", 1.5}}, "'explained_variance' must be within (0, 1]");
  refused({{"center", "yes"}}, "'center' must be true or false");
  refused({{"k", 3}}, "unknown parameter 'k'");
  PcaCompressionStage stage;
  stage.configure({{"calibration_frames", 4}});
  EXPECT_EQ(stage.describe().parameters["components"], 4);  // the default 16, capped
}

TEST(PcaCompressionStage, RefusesACalibrationBatchTooLargeToHold) {
  PcaCompressionStage stage;
  stage.configure({{"calibration_frames", 4096}, {"components", 8}});
  std::vector<Product> out;
  // 4096 frames of 256 x 256 pixels: 2^28 values.
  Frame big = image_frame(std::vector<std::uint8_t>(256 * 256), 256, 256, wire::DType::U8, 0);
  try {
    stage.process(big, out);
    ADD_FAILURE() << "accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("use fewer calibration frames"), std::string::npos);
  }
}

}  // namespace
}  // namespace edgeloop::lossy
