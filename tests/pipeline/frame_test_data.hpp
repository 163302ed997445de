// Test data for the frame-sum kernels: every wire element type, and random frames of each,
// shared by the Kokkos and CUDA tests so both backends are checked on the same inputs.
#pragma once

#include <edgeloop/wire/common_generated.h>

#include <cstdint>
#include <limits>
#include <random>
#include <type_traits>
#include <vector>

namespace edgeloop::testing {

// Calls fn(std::type_identity<T>{}, dtype) for every element type on the wire.
template <typename Fn>
void for_each_dtype(Fn&& fn) {
  fn(std::type_identity<std::uint8_t>{}, wire::DType::U8);
  fn(std::type_identity<std::uint16_t>{}, wire::DType::U16);
  fn(std::type_identity<std::uint32_t>{}, wire::DType::U32);
  fn(std::type_identity<std::int32_t>{}, wire::DType::I32);
  fn(std::type_identity<float>{}, wire::DType::F32);
  fn(std::type_identity<double>{}, wire::DType::F64);
}

// Integers cover their whole range (negative ones included for i32) to exercise the 64-bit
// accumulator; floats stay non-negative like detector counts so a relative tolerance means
// something.
template <typename T>
std::vector<T> random_pixels(std::size_t count, std::mt19937_64& rng) {
  std::vector<T> values(count);
  if constexpr (std::is_floating_point_v<T>) {
    std::uniform_real_distribution<T> dist(T{0}, T{1000});
    for (T& v : values) v = dist(rng);
  } else {
    // uniform_int_distribution is undefined for 8-bit types, so draw wider and narrow.
    std::uniform_int_distribution<std::int64_t> dist(std::numeric_limits<T>::min(),
                                                     std::numeric_limits<T>::max());
    for (T& v : values) v = static_cast<T>(dist(rng));
  }
  return values;
}

}  // namespace edgeloop::testing
