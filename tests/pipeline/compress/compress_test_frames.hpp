// Test frames for the bitshuffle encoders: detector-like counts (mostly small, a few hot
// pixels filling the high bit planes) of several element types and shapes, including sizes
// that are not a multiple of 8 elements or of the block.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

namespace edgeloop::testing {

// rows x cols: fewer than 8 elements, not a multiple of 8, exactly one default block for
// 16-bit pixels (4096), several blocks plus a short block plus a verbatim tail, large frames.
inline const std::vector<std::pair<std::size_t, std::size_t>> kCompressShapes = {
    {1, 1}, {1, 5}, {3, 3}, {1, 4096}, {37, 53}, {64, 64}, {100, 97}, {257, 259}, {512, 512},
};

// Block sizes in elements: the default (0), the smallest (8) and some odd multiples of 8.
inline const std::vector<std::size_t> kCompressBlocks = {0, 8, 264, 2048};

// Calls fn(std::type_identity<T>{}) for the element sizes the encoders specialise on and a
// signed and a float type of the same sizes.
template <typename Fn>
void for_each_pixel_type(Fn&& fn) {
  fn(std::type_identity<std::uint8_t>{});
  fn(std::type_identity<std::uint16_t>{});
  fn(std::type_identity<std::uint32_t>{});
  fn(std::type_identity<std::int32_t>{});
  fn(std::type_identity<float>{});
  fn(std::type_identity<double>{});
}

template <typename T>
std::vector<std::byte> detector_frame(std::size_t count, std::mt19937_64& rng) {
  std::poisson_distribution<int> counts(3.0);
  std::bernoulli_distribution hot(0.02);
  std::vector<T> values(count);
  for (T& v : values) {
    if (hot(rng)) {
      if constexpr (std::is_floating_point_v<T>) {
        v = static_cast<T>(rng() % 1000000);
      } else {
        v = static_cast<T>(rng());  // any bit pattern, as saturated or gap pixels have
      }
    } else {
      v = static_cast<T>(counts(rng));
    }
  }
  std::vector<std::byte> bytes(count * sizeof(T));
  if (count != 0) std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

}  // namespace edgeloop::testing
