#include "edgeloop/controllers/bayes/sobol.hpp"

#include <array>
#include <random>
#include <stdexcept>

namespace edgeloop::bayes {
namespace {

// Primitive polynomials and initial direction numbers for dimensions 2..21, transcribed from
// S. Joe and F. Y. Kuo, "Constructing Sobol sequences with better two-dimensional projections",
// SIAM J. Sci. Comput. 30 (2008) 2635-2654, file new-joe-kuo-6.21201
// (https://web.maths.unsw.edu.au/~fkuo/sobol/). Columns: degree s, coefficient word a, m_1..m_s.
struct JoeKuo {
  unsigned s;
  unsigned a;
  std::array<std::uint32_t, 7> m;
};

constexpr std::array<JoeKuo, 20> kJoeKuo{{
    {1, 0, {1}},
    {2, 1, {1, 3}},
    {3, 1, {1, 3, 1}},
    {3, 2, {1, 1, 1}},
    {4, 1, {1, 1, 3, 3}},
    {4, 4, {1, 3, 5, 13}},
    {5, 2, {1, 1, 5, 5, 17}},
    {5, 4, {1, 1, 5, 5, 5}},
    {5, 7, {1, 1, 7, 11, 19}},
    {5, 11, {1, 1, 5, 1, 1}},
    {5, 13, {1, 1, 1, 3, 11}},
    {5, 14, {1, 3, 5, 5, 31}},
    {6, 1, {1, 3, 3, 9, 7, 49}},
    {6, 13, {1, 1, 1, 15, 21, 21}},
    {6, 16, {1, 3, 1, 13, 27, 49}},
    {6, 19, {1, 1, 1, 15, 7, 5}},
    {6, 22, {1, 3, 1, 15, 13, 25}},
    {6, 25, {1, 1, 5, 5, 19, 61}},
    {7, 1, {1, 3, 7, 11, 23, 15, 103}},
    {7, 4, {1, 3, 7, 13, 13, 15, 69}},
}};

constexpr unsigned kBits = 32;

}  // namespace

SobolSequence::SobolSequence(std::size_t dimensions, std::uint64_t shift_seed)
    : dimensions_(dimensions), directions_(dimensions * kBits), shift_(dimensions, 0) {
  if (dimensions == 0 || dimensions > max_dimensions) {
    throw std::invalid_argument("SobolSequence: dimensions must be in 1..21");
  }
  // Dimension 1 is the van der Corput sequence: v_k = 2^(32-k).
  for (unsigned k = 0; k < kBits; ++k) directions_[k] = 1u << (kBits - 1 - k);
  for (std::size_t j = 1; j < dimensions; ++j) {
    const JoeKuo& p = kJoeKuo[j - 1];
    std::uint32_t* v = &directions_[j * kBits];
    for (unsigned k = 0; k < kBits; ++k) {
      if (k < p.s) {
        v[k] = p.m[k] << (kBits - 1 - k);
        continue;
      }
      // Bratley-Fox recurrence on the direction numbers themselves.
      std::uint32_t value = v[k - p.s] ^ (v[k - p.s] >> p.s);
      for (unsigned i = 1; i < p.s; ++i) {
        if ((p.a >> (p.s - 1 - i)) & 1u) value ^= v[k - i];
      }
      v[k] = value;
    }
  }
  if (shift_seed != 0) {
    std::mt19937_64 rng(shift_seed);
    for (auto& s : shift_) s = static_cast<std::uint32_t>(rng() >> 32);
  }
}

std::vector<double> SobolSequence::point(std::uint64_t index) const {
  if (index >= (std::uint64_t{1} << kBits)) throw std::out_of_range("SobolSequence: index");
  const std::uint64_t gray = index ^ (index >> 1);
  std::vector<double> x(dimensions_);
  for (std::size_t j = 0; j < dimensions_; ++j) {
    std::uint32_t word = shift_[j];
    for (unsigned k = 0; k < kBits; ++k) {
      if ((gray >> k) & 1u) word ^= directions_[j * kBits + k];
    }
    x[j] = static_cast<double>(word) * 0x1p-32;
  }
  return x;
}

}  // namespace edgeloop::bayes
