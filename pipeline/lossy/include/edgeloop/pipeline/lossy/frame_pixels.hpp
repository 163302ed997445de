// Reads a 2-D image frame of any wire element type into doubles: the lossy compressors work in
// floating point whatever the detector delivers (counts, ADU, corrected floats).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "edgeloop/pipeline/frame.hpp"

namespace edgeloop::lossy {

struct ImageShape {
  std::uint32_t rows = 0;
  std::uint32_t cols = 0;
  std::size_t pixels() const { return std::size_t{rows} * cols; }
  bool operator==(const ImageShape&) const = default;
};

// Converts `frame`'s pixels into `out` (resized, row-major) and returns the frame's shape.
// Throws std::invalid_argument, the message starting with `who`, when the frame is not a
// decoded 2-D image of a known dtype whose payload holds exactly rows x cols elements.
ImageShape image_pixels(const Frame& frame, std::string_view who, std::vector<double>& out);

}  // namespace edgeloop::lossy
