// Big-endian encoding of the 32-bit fields of the APT binary formats (.pos, .epos): those
// files are written big-endian whatever the machine, as the instrument software defined them.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace edgeloop::formats::detail {

inline std::uint32_t load_be32(const std::byte* p) {
  return (std::to_integer<std::uint32_t>(p[0]) << 24U) |
         (std::to_integer<std::uint32_t>(p[1]) << 16U) |
         (std::to_integer<std::uint32_t>(p[2]) << 8U) | std::to_integer<std::uint32_t>(p[3]);
}

inline void store_be32(std::byte* p, std::uint32_t v) {
  p[0] = static_cast<std::byte>(v >> 24U);
  p[1] = static_cast<std::byte>(v >> 16U);
  p[2] = static_cast<std::byte>(v >> 8U);
  p[3] = static_cast<std::byte>(v);
}

inline float load_be_float(const std::byte* p) {
  return std::bit_cast<float>(load_be32(p));
}

inline void store_be_float(std::byte* p, float v) {
  store_be32(p, std::bit_cast<std::uint32_t>(v));
}

}  // namespace edgeloop::formats::detail
