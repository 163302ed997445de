// The two clocks every record carries: monotonic for intervals, wall (UTC) for humans and files.
#pragma once

#include <cstdint>
#include <string>

namespace edgeloop {

// Nanoseconds of CLOCK_MONOTONIC: never jumps, only meaningful within one boot.
std::int64_t monotonic_ns();
// Nanoseconds since the UNIX epoch (UTC); may jump when the system clock is set.
std::int64_t wall_ns();
// ISO 8601 UTC with microseconds, e.g. "2026-11-25T11:05:46.123456Z".
std::string iso8601_utc(std::int64_t wall_ns);

}  // namespace edgeloop
