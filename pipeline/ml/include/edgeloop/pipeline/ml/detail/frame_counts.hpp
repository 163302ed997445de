// A frame's pixels as float counts for the networks, with the pixels the detector marks as
// invalid (u16/u32 at the type's maximum, as DECTRIS marks gaps; non-finite floats; negative
// integers) set to 0 and flagged, so the stages can pass them through unchanged.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "edgeloop/pipeline/frame.hpp"

namespace edgeloop::ml::detail {

// Throws std::invalid_argument naming `stage` unless `frame` is a 2-D image of a numeric
// dtype whose pixels fill its shape. Returns {rows, cols}.
std::array<std::uint32_t, 2> image_shape(const Frame& frame, std::string_view stage);

// counts.size() == invalid.size() == rows * cols (image_shape first).
void read_counts(const Frame& frame, std::span<float> counts, std::span<std::uint8_t> invalid);

}  // namespace edgeloop::ml::detail
