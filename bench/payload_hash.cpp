// Cost of hashing every frame payload (SHA-256, recorded in provenance) on the ingest thread,
// against a memcpy of the same bytes in the same run. Usage: bench_payload_hash [frames]
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "edgeloop/core/sha256.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  const int frames = argc > 1 ? std::stoi(argv[1]) : 2000;
  for (const std::size_t side : {96u, 256u, 1024u}) {
    const std::size_t bytes = side * side * 2;  // u16 frames
    std::vector<std::byte> payload(bytes);
    for (std::size_t i = 0; i < bytes; ++i) payload[i] = static_cast<std::byte>(i * 131u);
    std::vector<std::byte> copy(bytes);
    const int n = side >= 1024 ? frames / 16 : frames;

    unsigned checksum = 0;  // keeps the work observable so it is not optimised away
    const auto hash_start = Clock::now();
    for (int i = 0; i < n; ++i) checksum += edgeloop::Sha256::of(payload)[0];
    const double hash_s = seconds_since(hash_start);

    const auto copy_start = Clock::now();
    for (int i = 0; i < n; ++i) {
      std::memcpy(copy.data(), payload.data(), bytes);
      checksum += static_cast<unsigned>(copy[static_cast<std::size_t>(i) % bytes]);
    }
    const double copy_s = seconds_since(copy_start);

    const double mb = static_cast<double>(bytes) * n / 1e6;
    std::printf(
        "%4zux%-4zu u16: sha256 %7.0f MB/s (%8.1f us/frame, %7.0f frames/s), "
        "memcpy %7.0f MB/s, ratio %.3f  [%u]\n",
        side, side, mb / hash_s, hash_s * 1e6 / n, n / hash_s, mb / copy_s, copy_s / hash_s,
        checksum & 1u);
  }
  return 0;
}
