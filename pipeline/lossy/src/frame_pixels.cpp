#include "edgeloop/pipeline/lossy/frame_pixels.hpp"

#include <bit>
#include <cstring>
#include <stdexcept>
#include <string>

#include "edgeloop/core/dtype.hpp"

namespace edgeloop::lossy {
namespace {

static_assert(std::endian::native == std::endian::little,
              "lossy stages read little-endian wire payloads in place");

// Payloads may sit at any address; memcpy is the defined way to load a misaligned element.
template <typename T>
void convert(std::span<const std::byte> bytes, std::vector<double>& out) {
  const std::size_t n = bytes.size() / sizeof(T);
  out.resize(n);
  for (std::size_t p = 0; p < n; ++p) {
    T value;
    std::memcpy(&value, bytes.data() + p * sizeof(T), sizeof(T));
    out[p] = static_cast<double>(value);
  }
}

}  // namespace

ImageShape image_pixels(const Frame& frame, std::string_view who, std::vector<double>& out) {
  const FrameMeta& m = frame.meta;
  const std::string name(who);
  if (m.kind != FrameKind::Image || m.shape.size() != 2 || m.shape[0] == 0 || m.shape[1] == 0) {
    throw std::invalid_argument(name + ": frame " + std::to_string(m.sequence) +
                                " is not a 2-D image");
  }
  const ImageShape shape{m.shape[0], m.shape[1]};
  const std::size_t element = dtype_size(m.dtype);
  if (element == 0) {
    throw std::invalid_argument(name + ": frame " + std::to_string(m.sequence) +
                                " has an unsupported dtype");
  }
  const std::span<const std::byte> bytes = frame.pixels();
  if (bytes.size() != shape.pixels() * element) {
    throw std::invalid_argument(name + ": frame " + std::to_string(m.sequence) + " holds " +
                                std::to_string(bytes.size()) + " bytes of pixels, not " +
                                std::to_string(shape.pixels()) + " " +
                                std::string(dtype_name(m.dtype)) + " elements");
  }
  switch (m.dtype) {
    case wire::DType::U8:
      convert<std::uint8_t>(bytes, out);
      break;
    case wire::DType::U16:
      convert<std::uint16_t>(bytes, out);
      break;
    case wire::DType::U32:
      convert<std::uint32_t>(bytes, out);
      break;
    case wire::DType::I32:
      convert<std::int32_t>(bytes, out);
      break;
    case wire::DType::F32:
      convert<float>(bytes, out);
      break;
    case wire::DType::F64:
      convert<double>(bytes, out);
      break;
    case wire::DType::Unknown:
      break;
  }
  return shape;
}

}  // namespace edgeloop::lossy
