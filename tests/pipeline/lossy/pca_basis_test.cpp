// The PCA basis on synthetic batches of known structure: a mean plus a few fixed patterns with
// random weights, plus a little noise.
#include "edgeloop/pipeline/lossy/pca_basis.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numbers>
#include <random>
#include <stdexcept>
#include <vector>

namespace edgeloop::lossy {
namespace {

constexpr std::size_t kPixels = 400;

// Frames = mean + sum_i w_i pattern_i + noise, the weights of pattern i with rms scale[i].
std::vector<double> batch(std::size_t frames, std::vector<double> scale, double noise,
                          unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<double> out(frames * kPixels);
  for (std::size_t f = 0; f < frames; ++f) {
    std::vector<double> w(scale.size());
    for (std::size_t i = 0; i < scale.size(); ++i) w[i] = scale[i] * normal(rng);
    for (std::size_t p = 0; p < kPixels; ++p) {
      const double x = static_cast<double>(p) / kPixels;
      double v = 10.0 + 3.0 * std::sin(std::numbers::pi * x);  // the mean frame
      for (std::size_t i = 0; i < scale.size(); ++i) {
        v += w[i] * std::cos(std::numbers::pi * static_cast<double>(i + 1) * 7.0 * x);
      }
      out[f * kPixels + p] = v + noise * normal(rng);
    }
  }
  return out;
}

std::span<const double> frame(const std::vector<double>& frames, std::size_t f) {
  return std::span<const double>(frames).subspan(f * kPixels, kPixels);
}

double norm(std::span<const double> v) {
  double s = 0.0;
  for (const double x : v) s += x * x;
  return std::sqrt(s);
}

TEST(PcaBasis, ComponentsAreOrthonormalAndOrderedByVariance) {
  const auto frames = batch(40, {5.0, 3.0, 1.0}, 0.01, 1);
  const PcaBasis b = PcaBasis::learn(frames, 40, kPixels, {.components = 10});
  ASSERT_EQ(b.components(), 10U);
  EXPECT_EQ(b.pixels(), kPixels);
  EXPECT_EQ(b.calibration_frames(), 40U);
  const auto u = b.basis();
  for (std::size_t a = 0; a < b.components(); ++a) {
    for (std::size_t c = 0; c < b.components(); ++c) {
      double dot = 0.0;
      for (std::size_t p = 0; p < kPixels; ++p) dot += u[a * kPixels + p] * u[c * kPixels + p];
      EXPECT_NEAR(dot, a == c ? 1.0 : 0.0, 1e-10) << a << ", " << c;
    }
  }
  const auto ratio = b.explained_variance_ratio();
  for (std::size_t c = 1; c < ratio.size(); ++c) EXPECT_LE(ratio[c], ratio[c - 1]);
  // Three patterns hold everything but the noise.
  EXPECT_GT(ratio[0] + ratio[1] + ratio[2], 0.9999);
}

// Held-out frames: the reported residual is the residual of the decoded frame, it falls with
// k, and reaches the noise once k covers the structure.
TEST(PcaBasis, ReportedResidualIsTheDecodedFramesAndFallsWithK) {
  const auto calibration = batch(40, {5.0, 3.0, 1.0, 0.5}, 0.01, 2);
  const auto held_out = batch(10, {5.0, 3.0, 1.0, 0.5}, 0.01, 3);
  double previous = std::numeric_limits<double>::infinity();
  std::vector<double> scratch;
  for (const std::size_t k : {1U, 2U, 3U, 4U, 8U}) {
    const PcaBasis b = PcaBasis::learn(calibration, 40, kPixels, {.components = k});
    double mean_residual = 0.0;
    for (std::size_t f = 0; f < 10; ++f) {
      std::vector<double> c(k);
      const PcaResidual r = b.project(frame(held_out, f), c, scratch);
      std::vector<double> decoded(kPixels);
      b.reconstruct(c, decoded);
      std::vector<double> diff(kPixels);
      for (std::size_t p = 0; p < kPixels; ++p) diff[p] = frame(held_out, f)[p] - decoded[p];
      EXPECT_NEAR(r.relative_l2, norm(diff) / norm(frame(held_out, f)), 1e-12);
      EXPECT_NEAR(r.rms, norm(diff) / std::sqrt(static_cast<double>(kPixels)), 1e-12);
      mean_residual += r.relative_l2 / 10.0;
    }
    EXPECT_LT(mean_residual, previous) << k;
    previous = mean_residual;
    if (k >= 4) {
      // The noise (0.01 rms on frames of about 10) is all that is left.
      EXPECT_LT(mean_residual, 0.0015) << k;
    }
  }
}

TEST(PcaBasis, ExplainedVarianceChoosesK) {
  // Variances 25 : 9 : 1 : 0.25 (+ noise): 25/35.25 = 0.709, 34/35.25 = 0.965, 0.993.
  const auto frames = batch(200, {5.0, 3.0, 1.0, 0.5}, 0.001, 4);
  const auto k_for = [&](double target) {
    return PcaBasis::learn(frames, 200, kPixels, {.components = 20, .explained_variance = target})
        .components();
  };
  EXPECT_EQ(k_for(0.5), 1U);
  EXPECT_EQ(k_for(0.9), 2U);
  EXPECT_EQ(k_for(0.98), 3U);
  EXPECT_EQ(k_for(0.9999), 4U);
  // The cap holds.
  EXPECT_EQ(PcaBasis::learn(frames, 200, kPixels, {.components = 2, .explained_variance = 0.9999})
                .components(),
            2U);
}

TEST(PcaBasis, IdenticalFramesLeaveOnlyTheMean) {
  std::vector<double> frames(5 * kPixels, 0.0);
  for (std::size_t f = 0; f < 5; ++f) {
    for (std::size_t p = 0; p < kPixels; ++p) frames[f * kPixels + p] = static_cast<double>(p);
  }
  const PcaBasis b = PcaBasis::learn(frames, 5, kPixels, {.components = 3});
  EXPECT_EQ(b.components(), 0U);
  std::vector<double> c(3, -1.0);
  std::vector<double> scratch;
  const PcaResidual r = b.project(frame(frames, 0), c, scratch);
  EXPECT_DOUBLE_EQ(r.relative_l2, 0.0);
  EXPECT_DOUBLE_EQ(c[0], -1.0);  // nothing written past the components kept
}

TEST(PcaBasis, UncentredBasisSpansTheRawFrames) {
  const auto frames = batch(20, {2.0}, 0.0, 5);
  const PcaBasis b = PcaBasis::learn(frames, 20, kPixels, {.components = 2, .center = false});
  for (const double m : b.mean()) EXPECT_EQ(m, 0.0);
  std::vector<double> c(2);
  std::vector<double> scratch;
  // Mean frame and one pattern: two components decode every frame.
  EXPECT_LT(b.project(frame(frames, 3), c, scratch).relative_l2, 1e-12);
}

TEST(PcaBasis, BadArgumentsAreRefusedClearly) {
  const auto frames = batch(4, {1.0}, 0.1, 6);
  const auto refused = [&](auto call, const std::string& words) {
    try {
      call();
      ADD_FAILURE() << "not refused: " << words;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
    }
  };
  refused([&] { PcaBasis::learn(frames, 4, kPixels, {.components = 0}); }, "at least 1");
  refused([&] { PcaBasis::learn(frames, 4, kPixels, {.components = 5}); }, "exceed the 4");
  refused([&] { PcaBasis::learn(frame(frames, 0), 1, kPixels, {.components = 1}); },
          "at least 2 frames");
  refused([&] { PcaBasis::learn(frames, 4, kPixels - 1, {.components = 1}); }, "are not 4 frames");
  refused(
      [&] { PcaBasis::learn(frames, 4, kPixels, {.components = 1, .explained_variance = 0.0}); },
      "explained_variance");
  auto nan_frames = frames;
  nan_frames[7] = std::numeric_limits<double>::quiet_NaN();
  refused([&] { PcaBasis::learn(nan_frames, 4, kPixels, {.components = 1}); }, "not finite");
  const PcaBasis b = PcaBasis::learn(frames, 4, kPixels, {.components = 2});
  std::vector<double> c(2);
  std::vector<double> scratch;
  std::vector<double> wrong(kPixels + 1);
  refused([&] { b.project(wrong, c, scratch); }, "pixels on a basis of");
  std::vector<double> one(1);
  refused([&] { b.project(frame(frames, 0), one, scratch); }, "coefficients");
  refused([&] { b.reconstruct(c, wrong); }, "pixels");
}

}  // namespace
}  // namespace edgeloop::lossy
