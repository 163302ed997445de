// PCA compression of simulated 4D-STEM patterns: a basis learned from a calibration batch of
// the scan (the kinematic model's frames with their Poisson noise) compresses the other
// positions of the same scan. The figures printed here are in docs/benchmarks.md
// ("Lossy compression").
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <vector>

#include "edgeloop/pipeline/lossy/pca_basis.hpp"
#include "edgeloop/pipeline/lossy/pca_compression_stage.hpp"
#include "edgeloop/sims/diffraction_model.hpp"
#include "lossy_test_frames.hpp"

namespace edgeloop {
namespace {

constexpr std::uint32_t kSize = 64;
constexpr std::uint32_t kScan = 12;     // a 12 x 12 raster
constexpr double kStep = 16.0;          // scan units (nm) between positions: a few grains
constexpr double kElectrons = 20000.0;  // per frame

struct Scan {
  std::vector<double> calibration;  // frames one after another
  std::vector<double> held_out;
  std::vector<std::vector<std::uint16_t>> held_out_counts;
  std::vector<double> held_out_expected;
  std::size_t calibration_frames = 0;
  std::size_t held_out_frames = 0;
};

// Positions with ix + iy even calibrate (a checkerboard, as a sparse calibration scan would);
// the others are compressed.
Scan simulate() {
  const sims::Stem4DSpecimen specimen(23, 1024, 1024);
  sims::DetectorSettings detector;
  detector.size = kSize;
  sims::DiffractionModel model(specimen, detector, 23);
  sims::ProbeState probe;
  probe.electrons = kElectrons;
  Scan scan;
  std::vector<std::uint16_t> counts(model.pixel_count());
  std::vector<double> expected(model.pixel_count());
  for (std::uint32_t iy = 0; iy < kScan; ++iy) {
    for (std::uint32_t ix = 0; ix < kScan; ++ix) {
      const double x = 400.0 + kStep * ix;
      const double y = 400.0 + kStep * iy;
      model.render(x, y, probe, counts);
      const bool calibrating = (ix + iy) % 2 == 0;
      auto& into = calibrating ? scan.calibration : scan.held_out;
      into.insert(into.end(), counts.begin(), counts.end());
      if (calibrating) {
        ++scan.calibration_frames;
      } else {
        ++scan.held_out_frames;
        scan.held_out_counts.push_back(counts);
        model.expected(x, y, probe, expected);
        scan.held_out_expected.insert(scan.held_out_expected.end(), expected.begin(),
                                      expected.end());
      }
    }
  }
  return scan;
}

double norm(std::span<const double> v) {
  double s = 0.0;
  for (const double x : v) s += x * x;
  return std::sqrt(s);
}

TEST(PcaSimulatedFrames, ErrorFallsWithKAndIsReportedExactly) {
  const Scan scan = simulate();
  constexpr std::size_t kPixels = std::size_t{kSize} * kSize;
  ASSERT_EQ(scan.calibration_frames, 72U);
  // The Poisson noise of the frames: what no basis learned elsewhere can (or should) keep.
  double noise_floor = 0.0;
  for (std::size_t f = 0; f < scan.held_out_frames; ++f) {
    const std::span<const double> frame(scan.held_out.data() + f * kPixels, kPixels);
    std::vector<double> noise(kPixels);
    for (std::size_t p = 0; p < kPixels; ++p) {
      noise[p] = frame[p] - scan.held_out_expected[f * kPixels + p];
    }
    noise_floor += norm(noise) / norm(frame) / static_cast<double>(scan.held_out_frames);
  }
  std::printf("Poisson noise floor: relative L2 %.4f\n", noise_floor);

  double previous = std::numeric_limits<double>::infinity();
  std::vector<double> scratch;
  std::vector<double> decoded(kPixels);
  for (const std::size_t k : {1U, 2U, 4U, 8U, 16U, 32U, 72U}) {
    const lossy::PcaBasis basis = lossy::PcaBasis::learn(scan.calibration, scan.calibration_frames,
                                                         kPixels, {.components = k});
    ASSERT_EQ(basis.components(), std::min<std::size_t>(k, 71U));  // centred: rank n - 1
    double explained = 0.0;
    for (const double e : basis.explained_variance_ratio()) explained += e;
    double mean_residual = 0.0;
    double worst = 0.0;
    double signal_error = 0.0;  // decoded against the noise-free pattern
    for (std::size_t f = 0; f < scan.held_out_frames; ++f) {
      const std::span<const double> frame(scan.held_out.data() + f * kPixels, kPixels);
      std::vector<double> c(k);
      const lossy::PcaResidual r = basis.project(frame, c, scratch);
      basis.reconstruct(c, decoded);
      std::vector<double> diff(kPixels);
      for (std::size_t p = 0; p < kPixels; ++p) diff[p] = frame[p] - decoded[p];
      ASSERT_NEAR(r.relative_l2, norm(diff) / norm(frame), 1e-12);
      const std::span<const double> truth(scan.held_out_expected.data() + f * kPixels, kPixels);
      for (std::size_t p = 0; p < kPixels; ++p) diff[p] = truth[p] - decoded[p];
      signal_error += norm(diff) / norm(truth) / static_cast<double>(scan.held_out_frames);
      mean_residual += r.relative_l2 / static_cast<double>(scan.held_out_frames);
      worst = std::max(worst, r.relative_l2);
    }
    const double ratio =
        kPixels * sizeof(std::uint16_t) / (8.0 * static_cast<double>(basis.components()));
    std::printf(
        "k %3zu: explained %.4f, held-out residual mean %.4f max %.4f, decoded vs noise-free "
        "%.4f, ratio %.1f\n",
        basis.components(), explained, mean_residual, worst, signal_error, ratio);
    // Nested subspaces: a larger k never decodes worse.
    EXPECT_LE(mean_residual, previous + 1e-12) << k;
    EXPECT_GE(mean_residual, 0.9 * noise_floor) << k;  // no basis keeps noise it never saw
    // A few components keep the pattern and drop the noise: the decoded frame is closer to
    // the noise-free pattern than the recorded one is.
    if (k == 4) {
      EXPECT_LT(signal_error, 0.5 * noise_floor);
    }
    previous = mean_residual;
  }
  // A handful of components captures the scan's structure: what is left is mostly noise.
  EXPECT_LT(previous, 1.5 * noise_floor);
}

// The stage on the same frames in scan order: calibration, then compression, with the run's
// products decoding the frames to the reported error.
TEST(PcaSimulatedFrames, StageCompressesTheScan) {
  const Scan scan = simulate();
  lossy::PcaCompressionStage stage;
  stage.configure({{"calibration_frames", 72}, {"components", 16}});
  constexpr std::size_t kPixels = std::size_t{kSize} * kSize;
  std::uint64_t sequence = 0;
  for (std::size_t f = 0; f < scan.calibration_frames; ++f) {
    std::vector<std::uint16_t> counts(kPixels);
    for (std::size_t p = 0; p < kPixels; ++p) {
      counts[p] = static_cast<std::uint16_t>(scan.calibration[f * kPixels + p]);
    }
    std::vector<Product> out;
    stage.process(testing::image_frame(counts, kSize, kSize, wire::DType::U16, sequence++), out);
  }
  double mean_residual = 0.0;
  for (const auto& counts : scan.held_out_counts) {
    std::vector<Product> out;
    stage.process(testing::image_frame(counts, kSize, kSize, wire::DType::U16, sequence++), out);
    ASSERT_EQ(out[4].name, "pca_calibration");
    EXPECT_EQ(out[4].values[0], 0.0);
    mean_residual += out[1].values[0] / static_cast<double>(scan.held_out_frames);
    EXPECT_DOUBLE_EQ(out[3].values[0], 8192.0 / (16 * 8.0));
  }
  std::vector<Product> end;
  stage.finish(end);
  const Product& summary = end.at(0);
  ASSERT_EQ(summary.name, "pca_summary");
  EXPECT_NEAR(summary.values[4], mean_residual, 1e-12);
  std::printf(
      "stage k 16: mean residual %.4f, ratio per frame %.1f, with basis over %zu frames %.2f\n",
      summary.values[4], summary.values[5], scan.calibration_frames + scan.held_out_frames,
      summary.values[6]);
}

}  // namespace
}  // namespace edgeloop
