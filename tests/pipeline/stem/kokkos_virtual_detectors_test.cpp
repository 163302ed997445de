#include "edgeloop/pipeline/stem/kokkos_virtual_detectors.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <limits>
#include <memory>
#include <random>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

#include "edgeloop/pipeline/kokkos_runtime.hpp"
#include "stem_test_frames.hpp"

namespace edgeloop {
namespace {

using testing::count_pixels;
using testing::Doubled;
using testing::for_each_dtype;
using testing::pattern;
using testing::random_pixels;
using testing::reference_signals;

// One suite for every Kokkos test: Kokkos cannot be initialised again once finalised.
class KokkosVirtualDetectorsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { runtime_ = std::make_unique<KokkosRuntime>(); }
  static void TearDownTestSuite() { runtime_.reset(); }

 private:
  static inline std::unique_ptr<KokkosRuntime> runtime_;
};

constexpr std::uint32_t kSide = 96;
// The detector centre (95/2, 95/2) in doubled coordinates.
constexpr Doubled kCentre{95, 95};

VirtualDetectorGeometry centred(double bf, double inner, double outer, double com = 0.0) {
  return {47.5, 47.5, bf, inner, outer, com};
}

template <typename T>
VirtualDetectorSignals run(const VirtualDetectorGeometry& g, const std::vector<T>& pixels,
                           wire::DType dtype, std::uint32_t rows = kSide,
                           std::uint32_t cols = kSide) {
  KokkosVirtualDetectors k(VirtualDetectorTable(g, rows, cols));
  return k.compute(std::as_bytes(std::span(pixels)), dtype);
}

// Integers must match exactly; floats to rounding (sums in a different order).
template <typename T>
void expect_same(const VirtualDetectorSignals& a, const VirtualDetectorSignals& b) {
  if constexpr (std::is_floating_point_v<T>) {
    const auto near = [](double x, double y) {
      EXPECT_NEAR(x, y, 1e-9 * std::max(1.0, std::abs(y)));
    };
    near(a.bf, b.bf);
    near(a.adf, b.adf);
    near(a.total, b.total);
    near(a.com_x, b.com_x);
    near(a.com_y, b.com_y);
  } else {
    EXPECT_EQ(a.bf, b.bf);
    EXPECT_EQ(a.adf, b.adf);
    EXPECT_EQ(a.total, b.total);
    EXPECT_EQ(a.com_x, b.com_x);
    EXPECT_EQ(a.com_y, b.com_y);
  }
}

// A uniform disc of radius 20 and value v on the centre; BF radius 6, ADF 8 <= r < 12.5.
// Every answer is a pixel count (found independently, in exact doubled integers) times v, and
// the disc's symmetry puts its centre of mass exactly on the centre. Small values keep float
// sums exact too.
TEST_F(KokkosVirtualDetectorsTest, UniformDiscGivesPixelCountsTimesValue) {
  for_each_dtype([](auto type, wire::DType dtype) {
    using T = typename decltype(type)::type;
    SCOPED_TRACE(wire::EnumNameDType(dtype));
    const T v = T{7};
    const auto disc = [](std::int64_t r4) { return r4 <= 4 * 20 * 20; };
    const auto pixels = pattern<T>(kSide, kSide, kCentre, v, disc);
    const auto s = run(centred(6, 8, 12.5), pixels, dtype);
    const std::size_t in_bf =
        count_pixels(kSide, kSide, kCentre, [](std::int64_t r4) { return r4 <= 4 * 36; });
    const std::size_t in_adf = count_pixels(kSide, kSide, kCentre, [](std::int64_t r4) {
      return r4 >= 4 * 64 && r4 < 25 * 25;  // (2 * 12.5)^2
    });
    const std::size_t in_disc = count_pixels(kSide, kSide, kCentre, disc);
    ASSERT_GT(in_bf, 100U);
    EXPECT_EQ(s.bf, 7.0 * static_cast<double>(in_bf));
    EXPECT_EQ(s.adf, 7.0 * static_cast<double>(in_adf));
    EXPECT_EQ(s.total, 7.0 * static_cast<double>(in_disc));
    EXPECT_EQ(s.com_x, 0.0);
    EXPECT_EQ(s.com_y, 0.0);
  });
}

TEST_F(KokkosVirtualDetectorsTest, DiscInsideBfIsAllBrightField) {
  for_each_dtype([](auto type, wire::DType dtype) {
    using T = typename decltype(type)::type;
    SCOPED_TRACE(wire::EnumNameDType(dtype));
    const auto pixels =
        pattern<T>(kSide, kSide, kCentre, T{200}, [](std::int64_t r4) { return r4 <= 4 * 9 * 9; });
    const auto s = run(centred(10, 15, 40), pixels, dtype);
    EXPECT_GT(s.total, 0.0);
    EXPECT_EQ(s.bf, s.total);
    EXPECT_EQ(s.adf, 0.0);
  });
}

TEST_F(KokkosVirtualDetectorsTest, RingInsideAnnulusIsAllDarkField) {
  for_each_dtype([](auto type, wire::DType dtype) {
    using T = typename decltype(type)::type;
    SCOPED_TRACE(wire::EnumNameDType(dtype));
    const auto pixels = pattern<T>(kSide, kSide, kCentre, T{100}, [](std::int64_t r4) {
      return r4 >= 4 * 20 * 20 && r4 <= 4 * 30 * 30;
    });
    const auto s = run(centred(10, 19, 31), pixels, dtype);
    EXPECT_GT(s.total, 0.0);
    EXPECT_EQ(s.adf, s.total);
    EXPECT_EQ(s.bf, 0.0);
    EXPECT_EQ(s.com_x, 0.0);
    EXPECT_EQ(s.com_y, 0.0);
  });
}

// A disc shifted by whole pixels has its centre of mass exactly there, whether the COM sees the
// whole frame or a window that holds the whole disc.
TEST_F(KokkosVirtualDetectorsTest, ShiftedDiscHasExactCentreOfMass) {
  for_each_dtype([](auto type, wire::DType dtype) {
    using T = typename decltype(type)::type;
    SCOPED_TRACE(wire::EnumNameDType(dtype));
    for (const auto& [dx, dy] : {std::pair{3, -2}, std::pair{-7, 5}, std::pair{0, 11}}) {
      const Doubled at{95 + 2 * dx, 95 + 2 * dy};
      const auto pixels =
          pattern<T>(kSide, kSide, at, T{9}, [](std::int64_t r4) { return r4 <= 4 * 8 * 8; });
      for (const double com_radius : {0.0, 25.0}) {
        const auto s = run(centred(10, 12, 40, com_radius), pixels, dtype);
        EXPECT_EQ(s.com_x, dx) << com_radius;
        EXPECT_EQ(s.com_y, dy) << com_radius;
      }
    }
  });
}

TEST_F(KokkosVirtualDetectorsTest, ComRadiusIgnoresIntensityOutsideIt) {
  // A disc shifted by (2, 1) plus a bright spot far out: the whole-frame COM is pulled towards
  // the spot, the windowed one is not.
  std::vector<std::uint16_t> pixels = pattern<std::uint16_t>(
      kSide, kSide, {99, 97}, 50, [](std::int64_t r4) { return r4 <= 4 * 6 * 6; });
  pixels[std::size_t{5} * kSide + 90] = 60000;
  const auto windowed = run(centred(10, 12, 40, 15), pixels, wire::DType::U16);
  EXPECT_EQ(windowed.com_x, 2.0);
  EXPECT_EQ(windowed.com_y, 1.0);
  const auto whole = run(centred(10, 12, 40), pixels, wire::DType::U16);
  EXPECT_GT(whole.com_x, 10.0);
  EXPECT_LT(whole.com_y, -10.0);
}

TEST_F(KokkosVirtualDetectorsTest, EmptyFrameIsAllZero) {
  for_each_dtype([](auto type, wire::DType dtype) {
    using T = typename decltype(type)::type;
    const std::vector<T> pixels(std::size_t{kSide} * kSide, T{0});
    const auto s = run(centred(10, 12, 40), pixels, dtype);
    EXPECT_EQ(s.bf, 0.0);
    EXPECT_EQ(s.adf, 0.0);
    EXPECT_EQ(s.total, 0.0);
    EXPECT_EQ(s.com_x, 0.0);
    EXPECT_EQ(s.com_y, 0.0);
  });
}

// Random frames on assorted geometries against the pixel-by-pixel specification.
TEST_F(KokkosVirtualDetectorsTest, MatchesReferenceOnRandomFrames) {
  std::mt19937_64 rng(4711);
  const std::vector<std::pair<std::array<std::uint32_t, 2>, VirtualDetectorGeometry>> cases = {
      {{96, 96}, centred(8, 12, 40)},
      {{128, 128}, {63.5, 63.5, 10.7, 30.2, 63.9, 0}},
      {{256, 256}, {130.25, 120.0, 21.3, 21.3, 200, 60}},
      {{40, 70}, {-3.0, 50.0, 30, 35, 60, 45}},
      {{17, 5}, {2, 8, 1, 1.5, 3, 0}},
  };
  for (const auto& [shape, g] : cases) {
    for_each_dtype([&](auto type, wire::DType dtype) {
      using T = typename decltype(type)::type;
      SCOPED_TRACE(::testing::Message()
                   << wire::EnumNameDType(dtype) << " " << shape[0] << "x" << shape[1]);
      const auto pixels = random_pixels<T>(std::size_t{shape[0]} * shape[1], rng);
      expect_same<T>(run(g, pixels, dtype, shape[0], shape[1]),
                     reference_signals(pixels, shape[0], shape[1], g));
    });
  }
}

TEST_F(KokkosVirtualDetectorsTest, SaturatedU32FrameIsExact) {
  const std::vector<std::uint32_t> pixels(256 * 256, std::numeric_limits<std::uint32_t>::max());
  const auto g = VirtualDetectorGeometry{127.5, 127.5, 30, 40, 128, 0};
  const auto s = run(g, pixels, wire::DType::U32, 256, 256);
  EXPECT_EQ(s.total, 4294967295.0 * 65536.0);
  EXPECT_EQ(s.com_x, 0.0);
  EXPECT_EQ(s.com_y, 0.0);
  expect_same<std::uint32_t>(s, reference_signals(pixels, 256, 256, g));
}

TEST_F(KokkosVirtualDetectorsTest, BatchEqualsFrameByFrameAndMisalignmentIsHarmless) {
  std::mt19937_64 rng(99);
  const auto g = VirtualDetectorGeometry{60.0, 66.5, 14, 20, 60, 0};
  for_each_dtype([&](auto type, wire::DType dtype) {
    using T = typename decltype(type)::type;
    SCOPED_TRACE(wire::EnumNameDType(dtype));
    KokkosVirtualDetectors k(VirtualDetectorTable(g, 128, 128));
    std::vector<std::vector<T>> frames;
    std::vector<std::vector<std::byte>> shifted;  // each frame one byte off alignment
    std::vector<std::span<const std::byte>> aligned_spans;
    std::vector<std::span<const std::byte>> shifted_spans;
    for (int i = 0; i < 9; ++i) frames.push_back(random_pixels<T>(128 * 128, rng));
    for (const auto& f : frames) {
      const auto bytes = std::as_bytes(std::span(f));
      shifted.emplace_back(bytes.size() + 1);
      std::memcpy(shifted.back().data() + 1, bytes.data(), bytes.size());
      aligned_spans.push_back(bytes);
    }
    for (const auto& s : shifted) shifted_spans.emplace_back(s.data() + 1, s.size() - 1);
    std::vector<VirtualDetectorSignals> batch(frames.size());
    std::vector<VirtualDetectorSignals> batch_shifted(frames.size());
    k.compute(aligned_spans, dtype, batch);
    k.compute(shifted_spans, dtype, batch_shifted);
    for (std::size_t i = 0; i < frames.size(); ++i) {
      const auto one = k.compute(aligned_spans[i], dtype);
      // The same backend on the same frame: identical, floats included.
      EXPECT_EQ(std::memcmp(&one, &batch[i], sizeof one), 0) << i;
      EXPECT_EQ(std::memcmp(&one, &batch_shifted[i], sizeof one), 0) << i;
    }
  });
}

TEST_F(KokkosVirtualDetectorsTest, RefusesBadInput) {
  KokkosVirtualDetectors k(VirtualDetectorTable(centred(8, 12, 40), kSide, kSide));
  const std::vector<std::uint16_t> frame(std::size_t{kSide} * kSide, 1);
  const auto bytes = std::as_bytes(std::span(frame));
  EXPECT_NO_THROW(k.compute(bytes, wire::DType::U16));
  EXPECT_THROW(k.compute(bytes.first(bytes.size() - 2), wire::DType::U16), std::invalid_argument);
  EXPECT_THROW(k.compute(bytes, wire::DType::U8), std::invalid_argument);   // 2x too many
  EXPECT_THROW(k.compute(bytes, wire::DType::U32), std::invalid_argument);  // half a frame
  EXPECT_THROW(k.compute(bytes, wire::DType::Unknown), std::invalid_argument);
  EXPECT_THROW(k.compute(bytes, static_cast<wire::DType>(99)), std::invalid_argument);
  std::vector<VirtualDetectorSignals> out(2);
  const std::vector<std::span<const std::byte>> one{bytes};
  EXPECT_THROW(k.compute(one, wire::DType::U16, out), std::invalid_argument);
  // An empty batch is fine.
  EXPECT_NO_THROW(k.compute({}, wire::DType::U16, {}));
}

TEST_F(KokkosVirtualDetectorsTest, RefusesThirtyTwoBitFramesTooLargeToSumExactly) {
  const VirtualDetectorGeometry g{1100, 1100, 100, 200, 900, 0};
  KokkosVirtualDetectors k(VirtualDetectorTable(g, 2200, 2200));
  const std::vector<std::uint16_t> u16(std::size_t{2200} * 2200, 1);
  EXPECT_EQ(k.compute(std::as_bytes(std::span(u16)), wire::DType::U16).total, 2200.0 * 2200.0);
  const std::vector<std::uint32_t> u32(std::size_t{2200} * 2200, 1);
  EXPECT_THROW(k.compute(std::as_bytes(std::span(u32)), wire::DType::U32), std::invalid_argument);
  // A COM window small enough keeps the moments bounded, so the same frames are accepted.
  KokkosVirtualDetectors windowed(
      VirtualDetectorTable({1100, 1100, 100, 200, 900, 500}, 2200, 2200));
  EXPECT_EQ(windowed.compute(std::as_bytes(std::span(u32)), wire::DType::U32).total,
            2200.0 * 2200.0);
}

TEST(KokkosVirtualDetectorsNoRuntime, RefusesWithoutKokkos) {
  // Runs before the fixture's suite or after it; either way no runtime is alive here.
  KokkosVirtualDetectors k(VirtualDetectorTable(centred(8, 12, 40), kSide, kSide));
  const std::vector<std::uint16_t> frame(std::size_t{kSide} * kSide, 1);
  EXPECT_THROW(k.compute(std::as_bytes(std::span(frame)), wire::DType::U16), std::logic_error);
}

// Rates of the Kokkos backend on one core, in CPU time (run with --gtest_also_run_disabled_tests);
// printed, never asserted, since the machine's load is unknown.
TEST_F(KokkosVirtualDetectorsTest, DISABLED_Throughput) {
  std::mt19937_64 rng(1);
  for (const std::uint32_t side : {96U, 128U, 256U}) {
    const double s = side;
    KokkosVirtualDetectors k(
        VirtualDetectorTable({(s - 1) / 2, (s - 1) / 2, s / 8, s / 8, s / 2, 0}, side, side));
    std::vector<std::vector<std::uint16_t>> frames;
    for (int i = 0; i < 64; ++i) {
      auto f = random_pixels<std::uint16_t>(std::size_t{side} * side, rng);
      for (auto& v : f) v = static_cast<std::uint16_t>(v % 64);  // detector-like counts
      frames.push_back(std::move(f));
    }
    std::vector<std::span<const std::byte>> spans;
    for (const auto& f : frames) spans.push_back(std::as_bytes(std::span(f)));
    std::vector<VirtualDetectorSignals> out(spans.size());
    const std::size_t rounds = side == 256 ? 150 : 1000;
    double checksum = 0;
    // CPU time, not wall time: on a shared machine the process is not always running.
    const std::clock_t start = std::clock();
    for (std::size_t r = 0; r < rounds; ++r) {
      for (const auto& f : spans) checksum += k.compute(f, wire::DType::U16).bf;
    }
    const double seconds = static_cast<double>(std::clock() - start) / CLOCKS_PER_SEC;
    const double frames_per_s = static_cast<double>(rounds * spans.size()) / seconds;
    std::printf("u16 %ux%u: %.0f frames/s per core (%.2f GB/s) [%g]\n", side, side, frames_per_s,
                frames_per_s * s * s * 2 / 1e9, checksum);
  }
}

}  // namespace
}  // namespace edgeloop
