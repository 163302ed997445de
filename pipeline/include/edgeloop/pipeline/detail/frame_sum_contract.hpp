// What every frame-sum backend must agree on, so that Kokkos and CUDA give bit-identical
// integer sums: the accumulator type per element type, the element count check and the
// dispatch from wire dtype to element type.
#pragma once

#include <edgeloop/wire/common_generated.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace edgeloop::detail {

// Integers are summed in 64 bits so the result is exact (a 2^32-pixel frame of u32 would be
// needed to overflow); only the final conversion to double can round. Floats are summed in
// double so that f32 frames do not lose precision long before the sum is large.
template <typename T>
using FrameSumAccumulator =
    std::conditional_t<std::is_floating_point_v<T>, double,
                       std::conditional_t<std::is_signed_v<T>, std::int64_t, std::uint64_t>>;

// Elements in `pixels`; throws std::invalid_argument when the bytes are not whole elements.
template <typename T>
std::size_t frame_sum_element_count(std::span<const std::byte> pixels, wire::DType dtype) {
  if (pixels.size() % sizeof(T) != 0) {
    throw std::invalid_argument("frame_sum: " + std::to_string(pixels.size()) +
                                " bytes is not a whole number of " + wire::EnumNameDType(dtype) +
                                " elements");
  }
  return pixels.size() / sizeof(T);
}

template <typename T>
struct ElementType {
  using type = T;
};

// Calls `sum(ElementType<T>{})` for the element type of `dtype`. Unknown dtypes, including
// values from a newer schema that this build does not know, throw std::invalid_argument.
template <typename Sum>
double dispatch_frame_sum(wire::DType dtype, Sum&& sum) {
  switch (dtype) {
    case wire::DType::U8:
      return sum(ElementType<std::uint8_t>{});
    case wire::DType::U16:
      return sum(ElementType<std::uint16_t>{});
    case wire::DType::U32:
      return sum(ElementType<std::uint32_t>{});
    case wire::DType::I32:
      return sum(ElementType<std::int32_t>{});
    case wire::DType::F32:
      return sum(ElementType<float>{});
    case wire::DType::F64:
      return sum(ElementType<double>{});
    case wire::DType::Unknown:
      break;
  }
  throw std::invalid_argument("frame_sum: unsupported dtype " +
                              std::to_string(static_cast<int>(dtype)));
}

}  // namespace edgeloop::detail
