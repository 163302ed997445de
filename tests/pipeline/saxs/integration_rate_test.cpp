// Throughput of the SAXS reduction on this machine, for docs and reports only: disabled by
// default and free of timed assertions. Run with
//   pipeline_saxs_integration_rate_test --gtest_also_run_disabled_tests
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <random>

#include "edgeloop/pipeline/saxs/azimuthal_integrator.hpp"
#include "edgeloop/pipeline/saxs/saxs_integration_stage.hpp"
#include "saxs_test_support.hpp"

namespace edgeloop::saxs {
namespace {

class IntegrationRateTest : public fixtures::KokkosSuite {
 protected:
  // The simulator's default geometry (2 m, 75 µm pixels, beam at 0.55 rows / 0.48 cols),
  // on a detector of rows x cols.
  static formats::PoniParameters geometry(std::uint32_t rows, std::uint32_t cols) {
    formats::PoniParameters p;
    p.dist = 2.0;
    p.pixel1 = p.pixel2 = 75e-6;
    p.rows = rows;
    p.cols = cols;
    p.poni1 = 0.55 * rows * p.pixel1;
    p.poni2 = 0.48 * cols * p.pixel2;
    p.wavelength = 1e-10;
    return p;
  }

  static void measure(std::uint32_t rows, std::uint32_t cols, int frames) {
    const formats::PoniParameters g = geometry(rows, cols);
    std::vector<std::uint32_t> pixels(std::size_t{rows} * cols);
    std::mt19937 rng(1);
    std::poisson_distribution<std::uint32_t> counts(50.0);
    for (auto& v : pixels) v = counts(rng);
    for (std::size_t i = 0; i < pixels.size(); i += 97) pixels[i] = 0xFFFFFFFFU;  // a few marks

    using Clock = std::chrono::steady_clock;
    const auto seconds = [](Clock::duration d) { return std::chrono::duration<double>(d).count(); };

    auto start = Clock::now();
    const AzimuthalIntegrator integrator(formats::PoniGeometry(g), {});
    const double setup = seconds(Clock::now() - start);
    BinnedSums sums;
    integrator.integrate(std::as_bytes(std::span(pixels)), wire::DType::U32, sums);  // warm-up
    start = Clock::now();
    for (int i = 0; i < frames; ++i) {
      integrator.integrate(std::as_bytes(std::span(pixels)), wire::DType::U32, sums);
    }
    const double kernel = seconds(Clock::now() - start) / frames;

    SaxsIntegrationStage stage;
    stage.configure({{"dist", g.dist},
                     {"poni1", g.poni1},
                     {"poni2", g.poni2},
                     {"wavelength", g.wavelength},
                     {"pixel1", g.pixel1},
                     {"pixel2", g.pixel2},
                     {"rows", rows},
                     {"cols", cols}});
    const Frame frame = fixtures::image_frame(pixels, rows, cols);
    std::vector<Product> out;
    start = Clock::now();
    for (int i = 0; i < frames; ++i) {
      out.clear();
      stage.process(frame, out);
    }
    const double whole = seconds(Clock::now() - start) / frames;
    std::printf(
        "%u x %u u32, 500 bins: set-up %.3f s; binning %.3f ms/frame (%.0f frames/s, %.0f "
        "Mpixel/s); stage with I(q), Guinier, Porod %.3f ms/frame (%.0f frames/s)\n",
        rows, cols, setup, kernel * 1e3, 1.0 / kernel,
        static_cast<double>(pixels.size()) / kernel / 1e6, whole * 1e3, 1.0 / whole);
  }
};

TEST_F(IntegrationRateTest, DISABLED_OneMegapixelU32) {
  measure(1024, 1024, 50);
}

TEST_F(IntegrationRateTest, DISABLED_Small256x256U32) {
  measure(256, 256, 1000);
}

}  // namespace
}  // namespace edgeloop::saxs
