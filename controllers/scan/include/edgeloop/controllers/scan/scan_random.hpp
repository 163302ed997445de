// The small deterministic generator of the scan strategies: SplitMix64, written out so a
// decision replays bit for bit on every standard library (no <random> distributions).
#pragma once

#include <cstdint>

namespace edgeloop::scan {

class ScanRandom {
 public:
  explicit ScanRandom(std::uint64_t seed) : state_(seed) {}

  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  // Uniform in [0, n) for n > 0 (the tiny modulo bias is irrelevant here).
  std::uint64_t below(std::uint64_t n) { return next() % n; }

  // A generator for decision `k` of a run seeded `seed`: each decision draws from its own
  // stream, so replaying one needs only the seed and the decision's number.
  static ScanRandom for_decision(std::uint64_t seed, std::uint64_t k) {
    ScanRandom mix(seed ^ (k * 0xd1b54a32d192ed03ULL));
    return ScanRandom(mix.next());
  }

 private:
  std::uint64_t state_;
};

}  // namespace edgeloop::scan
