// Test data for the 4D-STEM virtual detectors: frames of every wire dtype, analytic patterns
// (discs, rings) built with exact integer geometry, and an independent reference reduction.
#pragma once

#include <edgeloop/wire/common_generated.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <random>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include "edgeloop/pipeline/frame.hpp"
#include "edgeloop/pipeline/stem/virtual_detector_geometry.hpp"
#include "edgeloop/pipeline/stem/virtual_detector_signals.hpp"
#include "frame_test_data.hpp"

namespace edgeloop::testing {

// Pixels of a frame, optionally placed one byte off alignment as a payload in a message may be.
class BytePayload final : public PayloadOwner {
 public:
  BytePayload(std::span<const std::byte> bytes, bool misaligned)
      : storage_(bytes.size() + 1), offset_(misaligned ? 1 : 0) {
    if (!bytes.empty()) std::memcpy(storage_.data() + offset_, bytes.data(), bytes.size());
    size_ = bytes.size();
  }
  std::span<const std::byte> bytes() const override { return {storage_.data() + offset_, size_}; }

 private:
  std::vector<std::byte> storage_;
  std::size_t offset_;
  std::size_t size_ = 0;
};

// A detector image of rows x cols pixels at `scan_index`.
template <typename T>
Frame image_frame(const std::vector<T>& pixels, std::uint32_t rows, std::uint32_t cols,
                  wire::DType dtype, std::int64_t scan_index, bool misaligned = false) {
  Frame f;
  f.meta.kind = FrameKind::Image;
  f.meta.modality = wire::Modality::Stem4D;
  f.meta.dtype = dtype;
  f.meta.shape = {rows, cols};
  f.meta.scan_index = scan_index;
  f.meta.sequence = static_cast<std::uint64_t>(scan_index + 1);
  f.payload = std::make_unique<BytePayload>(std::as_bytes(std::span(pixels)), misaligned);
  return f;
}

// Positions in doubled pixel coordinates, so that centres and radii on the half-pixel grid
// are exact integers: a pixel at (col, row) relative to a centre (cx2 / 2, cy2 / 2) has
// 4 r^2 = (2 col - cx2)^2 + (2 row - cy2)^2.
struct Doubled {
  std::int64_t cx2;
  std::int64_t cy2;
  std::int64_t r4(std::int64_t row, std::int64_t col) const {
    const std::int64_t dx = 2 * col - cx2;
    const std::int64_t dy = 2 * row - cy2;
    return dx * dx + dy * dy;
  }
};

// Value `v` where keep(4 r^2) holds, 0 elsewhere.
template <typename T, typename Keep>
std::vector<T> pattern(std::uint32_t rows, std::uint32_t cols, Doubled at, T v, Keep keep) {
  std::vector<T> pixels(std::size_t{rows} * cols, T{0});
  for (std::uint32_t r = 0; r < rows; ++r) {
    for (std::uint32_t c = 0; c < cols; ++c) {
      if (keep(at.r4(r, c))) pixels[std::size_t{r} * cols + c] = v;
    }
  }
  return pixels;
}

// Pixels whose 4 r^2 satisfies keep.
template <typename Keep>
std::size_t count_pixels(std::uint32_t rows, std::uint32_t cols, Doubled at, Keep keep) {
  std::size_t n = 0;
  for (std::uint32_t r = 0; r < rows; ++r) {
    for (std::uint32_t c = 0; c < cols; ++c) n += keep(at.r4(r, c)) ? 1U : 0U;
  }
  return n;
}

// The specification, pixel by pixel with a radius test, independent of the table and kernels:
// exact 64-bit integer sums (double for floats), then COM = moment / weight - centre.
template <typename T>
VirtualDetectorSignals reference_signals(const std::vector<T>& pixels, std::uint32_t rows,
                                         std::uint32_t cols, const VirtualDetectorGeometry& g) {
  using Acc =
      std::conditional_t<std::is_floating_point_v<T>, double,
                         std::conditional_t<std::is_signed_v<T>, std::int64_t, std::uint64_t>>;
  Acc bf{}, adf{}, total{}, w{}, mx{}, my{};
  for (std::uint32_t r = 0; r < rows; ++r) {
    for (std::uint32_t c = 0; c < cols; ++c) {
      const Acc v = static_cast<Acc>(pixels[std::size_t{r} * cols + c]);
      const double dx = static_cast<double>(c) - g.centre_x;
      const double dy = static_cast<double>(r) - g.centre_y;
      const double r2 = dx * dx + dy * dy;
      total += v;
      if (r2 <= g.bf_radius * g.bf_radius) bf += v;
      if (r2 >= g.adf_inner * g.adf_inner && r2 < g.adf_outer * g.adf_outer) adf += v;
      if (g.com_radius == 0.0 || r2 <= g.com_radius * g.com_radius) {
        w += v;
        mx += v * static_cast<Acc>(c);
        my += v * static_cast<Acc>(r);
      }
    }
  }
  VirtualDetectorSignals s;
  s.bf = static_cast<double>(bf);
  s.adf = static_cast<double>(adf);
  s.total = static_cast<double>(total);
  if (w != Acc{0}) {
    s.com_x = static_cast<double>(mx) / static_cast<double>(w) - g.centre_x;
    s.com_y = static_cast<double>(my) / static_cast<double>(w) - g.centre_y;
  }
  return s;
}

}  // namespace edgeloop::testing
