// SHA-256 content hashing: integrity of payloads, model files and the provenance chain.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace edgeloop {

using Sha256Digest = std::array<std::uint8_t, 32>;

// Incremental hasher; `finish` may be called once.
class Sha256 {
 public:
  Sha256();
  Sha256& update(std::span<const std::byte> data);
  Sha256& update(std::string_view text);
  Sha256Digest finish();

  static Sha256Digest of(std::span<const std::byte> data);
  static Sha256Digest of(std::string_view text);

 private:
  alignas(64) std::array<unsigned char, 128> state_{};  // crypto_hash_sha256_state, opaque here
  bool finished_ = false;
};

std::string to_hex(std::span<const std::uint8_t> bytes);
std::optional<Sha256Digest> sha256_from_hex(std::string_view hex);

}  // namespace edgeloop
