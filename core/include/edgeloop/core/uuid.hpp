// A run, stream, job or record identifier: an RFC 4122 version-4 UUID.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace edgeloop {

class Uuid {
 public:
  constexpr Uuid() = default;

  // A fresh random (version 4) identifier from the operating system's CSPRNG.
  static Uuid random();
  // Parses the canonical 36-character form; nullopt when malformed.
  static std::optional<Uuid> parse(std::string_view text);
  static Uuid from_halves(std::uint64_t hi, std::uint64_t lo);

  std::uint64_t hi() const;
  std::uint64_t lo() const;
  bool is_nil() const;
  std::string str() const;

  auto operator<=>(const Uuid&) const = default;

 private:
  std::array<std::uint8_t, 16> bytes_{};
};

}  // namespace edgeloop
