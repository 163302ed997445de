#include "edgeloop/pipeline/compress/cuda_bitshuffle.hpp"

#include <gtest/gtest.h>

#include <random>
#include <stdexcept>
#include <vector>

#include "compress_test_frames.hpp"
#include "cuda_against_kokkos_suite.hpp"
#include "edgeloop/formats/bitshuffle_chunk.hpp"
#include "edgeloop/pipeline/compress/bitshuffle_lz4_encoder.hpp"
#include "edgeloop/pipeline/compress/kokkos_bitshuffle.hpp"
#include "edgeloop/pipeline/frame_sum_kernel.hpp"

namespace edgeloop {
namespace {

using testing::detector_frame;
using testing::for_each_pixel_type;
using testing::kCompressBlocks;
using testing::kCompressShapes;

class CudaBitshuffleTest : public testing::CudaAgainstKokkosSuite {};

// Runs everywhere: without a device the backend must refuse rather than return bytes.
TEST(CudaBitshuffleAvailability, RefusesWithoutADevice) {
  if (cuda_device_available()) GTEST_SKIP() << "a CUDA device is present";
  EXPECT_THROW(CudaBitshuffle(), std::runtime_error);
  EXPECT_THROW((void)make_bitshuffle_lz4_encoder("cuda"), std::runtime_error);
  EXPECT_NE(bitshuffle_lz4_backend_unavailable_reason("cuda"), "");
}

TEST_F(CudaBitshuffleTest, TransposedFramesMatchKokkosByteForByte) {
  std::mt19937_64 rng(161803);
  CudaBitshuffle gpu;
  for_each_pixel_type([&](auto type) {
    using T = typename decltype(type)::type;
    for (const auto& [rows, cols] : kCompressShapes) {
      const auto frame = detector_frame<T>(rows * cols, rng);
      for (const std::size_t block : kCompressBlocks) {
        SCOPED_TRACE(::testing::Message()
                     << sizeof(T) << "-byte " << rows << "x" << cols << " blocks of " << block);
        const auto layout = formats::bitshuffle_layout(frame.size(), sizeof(T), block);
        std::vector<std::byte> from_gpu(frame.size());
        std::vector<std::byte> from_kokkos(frame.size());
        gpu.transpose(frame, layout, from_gpu);
        bitshuffle_blocks_kokkos(frame, layout, from_kokkos);
        ASSERT_EQ(from_gpu, from_kokkos);
      }
    }
  });
}

TEST_F(CudaBitshuffleTest, ChunksMatchKokkosByteForByte) {
  std::mt19937_64 rng(2718);
  auto gpu = make_bitshuffle_lz4_encoder("cuda");
  auto kokkos = make_bitshuffle_lz4_encoder("kokkos");
  // Frames that grow and shrink, so the kept device buffers are reused and regrown.
  for (const std::size_t side : {512U, 64U, 1024U, 37U, 2048U}) {
    const auto frame = detector_frame<std::uint16_t>(side * side + 3, rng);
    EXPECT_EQ(gpu->encode(frame, 2), kokkos->encode(frame, 2)) << side;
  }
  const auto odd = detector_frame<std::uint32_t>(4099, rng);
  EXPECT_EQ(gpu->encode(odd, 4, 264), kokkos->encode(odd, 4, 264));
}

TEST_F(CudaBitshuffleTest, RefusesBadSizesLikeKokkos) {
  CudaBitshuffle gpu;
  const std::vector<std::byte> frame(64);
  std::vector<std::byte> out(32);
  const auto layout = formats::bitshuffle_layout(frame.size(), 2);
  EXPECT_THROW(gpu.transpose(frame, layout, out), std::invalid_argument);
}

}  // namespace
}  // namespace edgeloop
