#include "edgeloop/pipeline/stem/cuda_virtual_detectors.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

#include "cuda_against_kokkos_suite.hpp"
#include "edgeloop/pipeline/frame_sum_kernel.hpp"
#include "edgeloop/pipeline/kokkos_runtime.hpp"
#include "edgeloop/pipeline/stem/kokkos_virtual_detectors.hpp"
#include "edgeloop/pipeline/stem/stem_virtual_detector_stage.hpp"
#include "stem_test_frames.hpp"

namespace edgeloop {
namespace {

using testing::for_each_dtype;
using testing::image_frame;
using testing::random_pixels;

class CudaVirtualDetectorsTest : public testing::CudaAgainstKokkosSuite {};

// Integer results are exact on both backends, so any difference in any bit is a bug; float
// results differ by summation order only.
template <typename T>
void expect_backends_agree(const VirtualDetectorSignals& gpu, const VirtualDetectorSignals& cpu) {
  if constexpr (std::is_floating_point_v<T>) {
    const auto near = [](double a, double b) {
      EXPECT_NEAR(a, b, 1e-9 * std::max(1.0, std::abs(b)));
    };
    near(gpu.bf, cpu.bf);
    near(gpu.adf, cpu.adf);
    near(gpu.total, cpu.total);
    near(gpu.com_x, cpu.com_x);
    near(gpu.com_y, cpu.com_y);
  } else {
    EXPECT_EQ(std::memcmp(&gpu, &cpu, sizeof gpu), 0)
        << "gpu " << gpu.bf << " " << gpu.adf << " " << gpu.total << " " << gpu.com_x << " "
        << gpu.com_y << " cpu " << cpu.bf << " " << cpu.adf << " " << cpu.total << " " << cpu.com_x
        << " " << cpu.com_y;
  }
}

// Runs everywhere: without a device the backend must refuse rather than return numbers.
TEST(CudaVirtualDetectorsAvailability, RefusesWithoutADevice) {
  if (cuda_device_available()) GTEST_SKIP() << "a CUDA device is present";
  EXPECT_THROW(CudaVirtualDetectors(VirtualDetectorTable({47.5, 47.5, 8, 12, 40, 0}, 96, 96)),
               std::runtime_error);
}

TEST_F(CudaVirtualDetectorsTest, BatchesMatchKokkosBitForBit) {
  std::mt19937_64 rng(161803);
  const std::vector<std::pair<std::array<std::uint32_t, 2>, VirtualDetectorGeometry>> cases = {
      {{96, 96}, {47.5, 47.5, 8, 12, 48, 0}},
      {{128, 128}, {63.5, 63.5, 10.7, 30.2, 63.9, 20}},
      {{256, 256}, {130.25, 120.0, 21.3, 21.3, 200, 0}},
      {{40, 70}, {-3.0, 50.0, 30, 35, 60, 45}},
  };
  for (const auto& [shape, g] : cases) {
    KokkosVirtualDetectors cpu(VirtualDetectorTable(g, shape[0], shape[1]));
    CudaVirtualDetectors gpu(VirtualDetectorTable(g, shape[0], shape[1]));
    for_each_dtype([&](auto type, wire::DType dtype) {
      using T = typename decltype(type)::type;
      SCOPED_TRACE(::testing::Message()
                   << wire::EnumNameDType(dtype) << " " << shape[0] << "x" << shape[1]);
      for (const std::size_t batch : {std::size_t{1}, std::size_t{7}, std::size_t{33}}) {
        std::vector<std::vector<T>> frames;
        std::vector<std::span<const std::byte>> spans;
        for (std::size_t i = 0; i < batch; ++i) {
          frames.push_back(random_pixels<T>(std::size_t{shape[0]} * shape[1], rng));
        }
        for (const auto& f : frames) spans.push_back(std::as_bytes(std::span(f)));
        std::vector<VirtualDetectorSignals> from_gpu(batch);
        std::vector<VirtualDetectorSignals> from_cpu(batch);
        gpu.compute(spans, dtype, from_gpu);
        cpu.compute(spans, dtype, from_cpu);
        for (std::size_t i = 0; i < batch; ++i) expect_backends_agree<T>(from_gpu[i], from_cpu[i]);
      }
    });
  }
}

TEST_F(CudaVirtualDetectorsTest, SaturatedAndMisalignedFrames) {
  const VirtualDetectorGeometry g{127.5, 127.5, 30, 40, 128, 0};
  CudaVirtualDetectors gpu(VirtualDetectorTable(g, 256, 256));
  KokkosVirtualDetectors cpu(VirtualDetectorTable(g, 256, 256));
  const std::vector<std::uint32_t> saturated(256 * 256, 0xffffffffU);
  const auto s = gpu.compute(std::as_bytes(std::span(saturated)), wire::DType::U32);
  EXPECT_EQ(s.total, 4294967295.0 * 65536.0);
  expect_backends_agree<std::uint32_t>(
      s, cpu.compute(std::as_bytes(std::span(saturated)), wire::DType::U32));

  std::mt19937_64 rng(5);
  const auto values = random_pixels<std::uint16_t>(256 * 256, rng);
  const auto bytes = std::as_bytes(std::span(values));
  std::vector<std::byte> storage(bytes.size() + 1);
  std::memcpy(storage.data() + 1, bytes.data(), bytes.size());
  const std::span<const std::byte> shifted(storage.data() + 1, bytes.size());
  expect_backends_agree<std::uint16_t>(gpu.compute(shifted, wire::DType::U16),
                                       cpu.compute(bytes, wire::DType::U16));
}

TEST_F(CudaVirtualDetectorsTest, RefusesBadInputLikeKokkos) {
  CudaVirtualDetectors gpu(VirtualDetectorTable({47.5, 47.5, 8, 12, 40, 0}, 96, 96));
  const std::vector<std::uint16_t> frame(96 * 96, 1);
  const auto bytes = std::as_bytes(std::span(frame));
  EXPECT_THROW(gpu.compute(bytes.first(10), wire::DType::U16), std::invalid_argument);
  EXPECT_THROW(gpu.compute(bytes, wire::DType::Unknown), std::invalid_argument);
  EXPECT_NO_THROW(gpu.compute({}, wire::DType::U16, {}));
}

// The stage on the CUDA backend builds the same maps as on Kokkos, batch by batch.
TEST_F(CudaVirtualDetectorsTest, StageMapsMatchKokkos) {
  std::mt19937_64 rng(8);
  std::vector<Frame> frames;
  for (std::int64_t i = 0; i < 100; ++i) {
    auto pixels = random_pixels<std::uint16_t>(128 * 128, rng);
    frames.push_back(image_frame(pixels, 128, 128, wire::DType::U16, (i * 37) % 64));
  }
  std::vector<const Frame*> pointers;
  for (const auto& f : frames) pointers.push_back(&f);
  std::array<std::vector<Product>, 2> maps;
  for (const char* backend : {"cuda", "cpu"}) {
    StemVirtualDetectorStage stage;
    stage.configure({{"scan_nx", 8}, {"scan_ny", 8}, {"backend", backend}, {"com_radius", 30}});
    const std::size_t step = std::max<std::size_t>(stage.preferred_batch(), 1);
    std::vector<std::vector<Product>> out;
    for (std::size_t i = 0; i < pointers.size(); i += step) {
      const std::size_t n = std::min(step, pointers.size() - i);
      stage.process_batch(std::span(pointers).subspan(i, n), out);
    }
    stage.finish(maps[std::string(backend) == "cuda" ? 0 : 1]);
  }
  ASSERT_EQ(maps[0].size(), maps[1].size());
  for (std::size_t j = 0; j < maps[0].size(); ++j) {
    SCOPED_TRACE(maps[0][j].name);
    ASSERT_EQ(maps[0][j].values.size(), maps[1][j].values.size());
    EXPECT_EQ(std::memcmp(maps[0][j].values.data(), maps[1][j].values.data(),
                          maps[0][j].values.size() * sizeof(double)),
              0);
  }
}

}  // namespace
}  // namespace edgeloop
