#include "edgeloop/core/sha256.hpp"

#include <openssl/evp.h>
#include <sodium.h>

#include <stdexcept>

namespace edgeloop {

static_assert(sizeof(crypto_hash_sha256_state) <= 128, "Sha256 state buffer too small");

namespace {
crypto_hash_sha256_state* as_state(std::array<unsigned char, 128>& raw) {
  return reinterpret_cast<crypto_hash_sha256_state*>(raw.data());
}
}  // namespace

Sha256::Sha256() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  crypto_hash_sha256_init(as_state(state_));
}

Sha256& Sha256::update(std::span<const std::byte> data) {
  if (finished_) throw std::logic_error("Sha256::update after finish");
  crypto_hash_sha256_update(as_state(state_), reinterpret_cast<const unsigned char*>(data.data()),
                            data.size());
  return *this;
}

Sha256& Sha256::update(std::string_view text) {
  return update(std::as_bytes(std::span(text.data(), text.size())));
}

Sha256Digest Sha256::finish() {
  if (finished_) throw std::logic_error("Sha256::finish called twice");
  finished_ = true;
  Sha256Digest digest{};
  crypto_hash_sha256_final(as_state(state_), digest.data());
  return digest;
}

Sha256Digest Sha256::of(std::span<const std::byte> data) {
  // Payloads go through OpenSSL, which uses the CPU's SHA extensions (about 4x libsodium's
  // portable code on frames); small inputs stay with libsodium, which has no setup cost.
  constexpr std::size_t kOpenSslFrom = 4096;
  if (data.size() < kOpenSslFrom) return Sha256().update(data).finish();
  Sha256Digest digest{};
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1 ||
      length != digest.size()) {
    throw std::runtime_error("OpenSSL SHA-256 failed");
  }
  return digest;
}

Sha256Digest Sha256::of(std::string_view text) {
  return Sha256().update(text).finish();
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const std::uint8_t b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0x0F]);
  }
  return out;
}

std::optional<Sha256Digest> sha256_from_hex(std::string_view hex) {
  Sha256Digest digest{};
  if (hex.size() != digest.size() * 2) return std::nullopt;
  std::size_t bin_len = 0;
  if (sodium_hex2bin(digest.data(), digest.size(), hex.data(), hex.size(), nullptr, &bin_len,
                     nullptr) != 0 ||
      bin_len != digest.size()) {
    return std::nullopt;
  }
  return digest;
}

}  // namespace edgeloop
