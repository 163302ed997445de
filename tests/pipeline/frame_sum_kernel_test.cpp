#include "edgeloop/pipeline/frame_sum_kernel.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <numeric>
#include <random>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include "edgeloop/pipeline/kokkos_runtime.hpp"
#include "frame_test_data.hpp"

namespace edgeloop {
namespace {

using testing::for_each_dtype;
using testing::random_pixels;

// One suite for every Kokkos test: gtest runs SetUpTestSuite/TearDownTestSuite per suite, and
// Kokkos cannot be initialised again once finalised.
class FrameSumKokkos : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { runtime_ = std::make_unique<KokkosRuntime>(); }
  static void TearDownTestSuite() { runtime_.reset(); }

 private:
  static inline std::unique_ptr<KokkosRuntime> runtime_;
};

// The specification the kernel must meet: exact 64-bit integer sums, floats summed in double.
template <typename T>
double reference_sum(const std::vector<T>& values) {
  if constexpr (std::is_floating_point_v<T>) {
    return std::accumulate(values.begin(), values.end(), 0.0,
                           [](double acc, T v) { return acc + static_cast<double>(v); });
  } else {
    using Acc = std::conditional_t<std::is_signed_v<T>, std::int64_t, std::uint64_t>;
    return static_cast<double>(std::accumulate(values.begin(), values.end(), Acc{0},
                                               [](Acc acc, T v) { return acc + Acc{v}; }));
  }
}

template <typename T>
void expect_sum(double actual, double expected) {
  if constexpr (std::is_floating_point_v<T>) {
    EXPECT_NEAR(actual, expected, 1e-12 * std::max(1.0, std::abs(expected)));
  } else {
    EXPECT_EQ(actual, expected);
  }
}

TEST_F(FrameSumKokkos, MatchesReferenceForEveryDtypeAndSize) {
  std::mt19937_64 rng(20240601);
  for (const std::size_t count :
       {std::size_t{1}, std::size_t{7}, std::size_t{96 * 96}, std::size_t{256 * 256}}) {
    for_each_dtype([&](auto type, wire::DType dtype) {
      using T = typename decltype(type)::type;
      SCOPED_TRACE(::testing::Message() << wire::EnumNameDType(dtype) << " x " << count);
      const std::vector<T> values = random_pixels<T>(count, rng);
      expect_sum<T>(frame_sum_kokkos(std::as_bytes(std::span(values)), dtype),
                    reference_sum(values));
    });
  }
}

TEST_F(FrameSumKokkos, U32SumPast32BitsIsExact) {
  // Every pixel near saturation: the sum passes 2^32 after two pixels and ends near 2^48,
  // still exactly representable as a double.
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<std::uint32_t> dist(0xFFFF'0000u, 0xFFFF'FFFFu);
  std::vector<std::uint32_t> values(256 * 256);
  std::uint64_t expected = 0;
  for (std::uint32_t& v : values) {
    v = dist(rng);
    expected += v;
  }
  ASSERT_GT(expected, std::uint64_t{1} << 32);
  ASSERT_LT(expected, std::uint64_t{1} << 53);
  EXPECT_EQ(frame_sum_kokkos(std::as_bytes(std::span(values)), wire::DType::U32),
            static_cast<double>(expected));

  const std::vector<std::uint32_t> three_max(3, std::numeric_limits<std::uint32_t>::max());
  EXPECT_EQ(frame_sum_kokkos(std::as_bytes(std::span(three_max)), wire::DType::U32),
            3.0 * 4294967295.0);
}

TEST_F(FrameSumKokkos, I32NegativeSumsAreExact) {
  const std::vector<std::int32_t> values(1000, std::numeric_limits<std::int32_t>::min());
  EXPECT_EQ(frame_sum_kokkos(std::as_bytes(std::span(values)), wire::DType::I32),
            -2147483648.0 * 1000.0);
}

TEST_F(FrameSumKokkos, UnalignedPayloadGivesSameSum) {
  std::mt19937_64 rng(99);
  for_each_dtype([&](auto type, wire::DType dtype) {
    using T = typename decltype(type)::type;
    SCOPED_TRACE(wire::EnumNameDType(dtype));
    const std::vector<T> values = random_pixels<T>(96 * 96 + 3, rng);
    const std::size_t bytes = values.size() * sizeof(T);
    // One byte past a vector's (suitably aligned) start is misaligned for any multi-byte T.
    std::vector<std::byte> storage(bytes + 1);
    std::memcpy(storage.data() + 1, values.data(), bytes);
    const std::span<const std::byte> shifted(storage.data() + 1, bytes);
    expect_sum<T>(frame_sum_kokkos(shifted, dtype), reference_sum(values));
  });
}

TEST_F(FrameSumKokkos, EmptyFrameSumsToZero) {
  EXPECT_EQ(frame_sum_kokkos({}, wire::DType::F32), 0.0);
}

TEST_F(FrameSumKokkos, RejectsPartialElementsAndUnknownDtype) {
  const std::vector<std::byte> bytes(6);
  const std::span<const std::byte> six(bytes);
  EXPECT_THROW(frame_sum_kokkos(six.first(3), wire::DType::U16), std::invalid_argument);
  EXPECT_THROW(frame_sum_kokkos(six, wire::DType::U32), std::invalid_argument);
  EXPECT_THROW(frame_sum_kokkos(six, wire::DType::F64), std::invalid_argument);
  EXPECT_THROW(frame_sum_kokkos(six, wire::DType::Unknown), std::invalid_argument);
  // A dtype from a newer schema than this build knows.
  EXPECT_THROW(frame_sum_kokkos(six, static_cast<wire::DType>(42)), std::invalid_argument);
}

}  // namespace
}  // namespace edgeloop
