#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <random>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include "cuda_against_kokkos_suite.hpp"
#include "edgeloop/pipeline/frame_sum_kernel.hpp"
#include "edgeloop/pipeline/kokkos_runtime.hpp"
#include "frame_test_data.hpp"

namespace edgeloop {
namespace {

using testing::for_each_dtype;
using testing::random_pixels;

class FrameSumCuda : public testing::CudaAgainstKokkosSuite {};

// Integer sums are exact on both backends, so any difference at all is a bug; float sums
// differ only by summation order.
template <typename T>
void expect_backends_agree(std::span<const std::byte> pixels, wire::DType dtype) {
  const double cpu = frame_sum_kokkos(pixels, dtype);
  const double gpu = frame_sum_cuda(pixels, dtype);
  if constexpr (std::is_floating_point_v<T>) {
    EXPECT_NEAR(gpu, cpu, 1e-12 * std::max(1.0, std::abs(cpu)));
  } else {
    EXPECT_EQ(gpu, cpu);
  }
}

// Runs everywhere, device or not: the two availability calls must tell the same story, and
// without a device the backend must refuse rather than return a number.
TEST(FrameSumCudaAvailability, ReasonIsEmptyExactlyWhenAvailable) {
  if (cuda_device_available()) {
    EXPECT_EQ(cuda_unavailable_reason(), "");
  } else {
    EXPECT_NE(cuda_unavailable_reason(), "");
    const std::vector<float> values(16, 1.0f);
    EXPECT_THROW(frame_sum_cuda(std::as_bytes(std::span(values)), wire::DType::F32),
                 std::runtime_error);
  }
}

TEST_F(FrameSumCuda, MatchesKokkosOnRandomFrames) {
  std::mt19937_64 rng(314159);
  for (const std::size_t side : {std::size_t{96}, std::size_t{256}, std::size_t{1024}}) {
    for_each_dtype([&](auto type, wire::DType dtype) {
      using T = typename decltype(type)::type;
      SCOPED_TRACE(::testing::Message() << wire::EnumNameDType(dtype) << " " << side << "^2");
      const std::vector<T> values = random_pixels<T>(side * side, rng);
      expect_backends_agree<T>(std::as_bytes(std::span(values)), dtype);
    });
  }
}

TEST_F(FrameSumCuda, U32SaturatedFrameIsExact) {
  const std::vector<std::uint32_t> values(1024 * 1024, std::numeric_limits<std::uint32_t>::max());
  EXPECT_EQ(frame_sum_cuda(std::as_bytes(std::span(values)), wire::DType::U32),
            4294967295.0 * 1024.0 * 1024.0);
}

TEST_F(FrameSumCuda, UnalignedPayloadMatchesKokkos) {
  std::mt19937_64 rng(2718);
  for_each_dtype([&](auto type, wire::DType dtype) {
    using T = typename decltype(type)::type;
    SCOPED_TRACE(wire::EnumNameDType(dtype));
    const std::vector<T> values = random_pixels<T>(256 * 256 + 5, rng);
    const std::size_t bytes = values.size() * sizeof(T);
    std::vector<std::byte> storage(bytes + 1);
    std::memcpy(storage.data() + 1, values.data(), bytes);
    expect_backends_agree<T>(std::span<const std::byte>(storage.data() + 1, bytes), dtype);
  });
}

TEST_F(FrameSumCuda, EmptyFrameAndBadInput) {
  EXPECT_EQ(frame_sum_cuda({}, wire::DType::U16), 0.0);
  const std::vector<std::byte> bytes(6);
  const std::span<const std::byte> six(bytes);
  EXPECT_THROW(frame_sum_cuda(six.first(3), wire::DType::U16), std::invalid_argument);
  EXPECT_THROW(frame_sum_cuda(six, wire::DType::F64), std::invalid_argument);
  EXPECT_THROW(frame_sum_cuda(six, wire::DType::Unknown), std::invalid_argument);
}

}  // namespace
}  // namespace edgeloop
