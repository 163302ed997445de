#include "edgeloop/pipeline/ml/detail/frame_counts.hpp"

#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>

#include "edgeloop/core/dtype.hpp"

namespace edgeloop::ml::detail {
namespace {

template <typename T>
void convert(std::span<const std::byte> bytes, std::span<float> counts,
             std::span<std::uint8_t> invalid) {
  for (std::size_t i = 0; i < counts.size(); ++i) {
    T v{};
    std::memcpy(&v, bytes.data() + i * sizeof(T), sizeof(T));
    bool bad = false;
    if constexpr (std::is_floating_point_v<T>) {
      bad = !std::isfinite(v) || v < 0;
    } else if constexpr (std::is_signed_v<T>) {
      bad = v < 0;
    } else if constexpr (sizeof(T) >= 2) {
      bad = v == std::numeric_limits<T>::max();
    }
    invalid[i] = bad ? 1 : 0;
    counts[i] = bad ? 0.0F : static_cast<float>(v);
  }
}

}  // namespace

std::array<std::uint32_t, 2> image_shape(const Frame& frame, std::string_view stage) {
  const FrameMeta& m = frame.meta;
  const std::string who = std::string(stage) + ": frame " + std::to_string(m.sequence);
  if (m.kind != FrameKind::Image || m.shape.size() != 2 || m.shape[0] == 0 || m.shape[1] == 0) {
    throw std::invalid_argument(who + " is not a 2-D image");
  }
  const std::size_t size = dtype_size(m.dtype);
  if (size == 0) throw std::invalid_argument(who + " has an unknown dtype");
  const std::size_t pixels = std::size_t{m.shape[0]} * m.shape[1];
  if (frame.pixels().size() != pixels * size) {
    throw std::invalid_argument(who + " holds " + std::to_string(frame.pixels().size()) +
                                " bytes of pixels, not " + std::to_string(pixels) + " " +
                                std::string(dtype_name(m.dtype)) + " elements");
  }
  return {m.shape[0], m.shape[1]};
}

void read_counts(const Frame& frame, std::span<float> counts, std::span<std::uint8_t> invalid) {
  const auto bytes = frame.pixels();
  switch (frame.meta.dtype) {
    case wire::DType::U8:
      return convert<std::uint8_t>(bytes, counts, invalid);
    case wire::DType::U16:
      return convert<std::uint16_t>(bytes, counts, invalid);
    case wire::DType::U32:
      return convert<std::uint32_t>(bytes, counts, invalid);
    case wire::DType::I32:
      return convert<std::int32_t>(bytes, counts, invalid);
    case wire::DType::F32:
      return convert<float>(bytes, counts, invalid);
    case wire::DType::F64:
      return convert<double>(bytes, counts, invalid);
    default:
      throw std::invalid_argument("read_counts: unsupported dtype");
  }
}

}  // namespace edgeloop::ml::detail
