#include "edgeloop/core/clock.hpp"

#include <fmt/format.h>

#include <chrono>
#include <ctime>

namespace edgeloop {

std::int64_t monotonic_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::int64_t wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string iso8601_utc(std::int64_t wall) {
  const std::int64_t seconds =
      wall >= 0 ? wall / 1'000'000'000 : (wall - 999'999'999) / 1'000'000'000;
  const std::int64_t micros = (wall - seconds * 1'000'000'000) / 1000;
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm parts{};
  gmtime_r(&t, &parts);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", parts.tm_year + 1900,
                     parts.tm_mon + 1, parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec,
                     micros);
}

}  // namespace edgeloop
