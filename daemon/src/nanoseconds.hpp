// The daemon's arithmetic on core/clock.hpp timestamps: configured durations in nanoseconds,
// and the age of a monotonic timestamp in seconds, as status replies show it.
#pragma once

#include <chrono>
#include <cstdint>

#include "edgeloop/core/clock.hpp"

namespace edgeloop {

template <class Duration>
std::int64_t to_ns(Duration d) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
}

inline double seconds_since(std::int64_t mono_ns) {
  return static_cast<double>(monotonic_ns() - mono_ns) * 1e-9;
}

}  // namespace edgeloop
