#include "edgeloop/pipeline/stream2/stream2_messages.hpp"

#include <limits>

namespace edgeloop {

std::span<const std::byte> Stream2Span::in(std::span<const std::byte> message) const {
  if (offset > message.size() || length > message.size() - offset) return {};
  return message.subspan(offset, length);
}

std::string_view stream2_compression_name(Stream2Compression compression) {
  switch (compression) {
    case Stream2Compression::None:
      return "none";
    case Stream2Compression::Bslz4:
      return "bslz4";
    case Stream2Compression::Lz4:
      return "lz4";
  }
  return "unknown";
}

double Stream2Rational::seconds() const {
  if (denominator == 0) return 0.0;
  return static_cast<double>(numerator) / static_cast<double>(denominator);
}

std::optional<std::int64_t> Stream2Rational::nanoseconds() const {
  if (denominator == 0) return std::nullopt;
  constexpr std::uint64_t kNsPerSecond = 1'000'000'000;
  const std::uint64_t whole = numerator / denominator;
  const std::uint64_t rest = numerator % denominator;
  if (whole > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) / kNsPerSecond) {
    return std::nullopt;
  }
  // rest * 1e9 can exceed 64 bits for large time bases; long double holds it well enough for
  // a value that is then truncated to whole nanoseconds.
  const auto fraction = static_cast<std::uint64_t>(static_cast<long double>(rest) * 1e9L /
                                                   static_cast<long double>(denominator));
  const std::uint64_t total = whole * kNsPerSecond + fraction;
  if (total > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return std::nullopt;
  }
  return static_cast<std::int64_t>(total);
}

const Stream2Channel* Stream2Image::channel(std::string_view name) const {
  if (name.empty()) return data.empty() ? nullptr : &data.front();
  for (const Stream2Channel& c : data) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

}  // namespace edgeloop
