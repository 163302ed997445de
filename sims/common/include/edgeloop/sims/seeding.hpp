// Derives independent random streams from the user's one seed, so the specimen and every probe
// position get their own reproducible generator whatever order they are visited in.
#pragma once

#include <cstdint>
#include <initializer_list>

namespace edgeloop::sims::detail {

// SplitMix64's finaliser: a bijection that spreads every input bit over the whole word, so
// nearby inputs (positions 3 and 4) give unrelated seeds.
constexpr std::uint64_t mix64(std::uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30U)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27U)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31U);
}

// Folds the words in order; a different stream tag keeps specimen and noise streams apart.
constexpr std::uint64_t derive_seed(std::initializer_list<std::uint64_t> words) {
  std::uint64_t h = 0x6a09e667f3bcc908ULL;
  for (const std::uint64_t w : words) h = mix64(h ^ mix64(w));
  return h;
}

inline constexpr std::uint64_t kSpecimenStream = 1;
inline constexpr std::uint64_t kNoiseStream = 2;
inline constexpr std::uint64_t kFaultStream = 3;

}  // namespace edgeloop::sims::detail
