// A detector pixel mask read from a dataset of an HDF5 file, named "file.h5:/path/to/dataset"
// (a NeXus NXdetector/pixel_mask, a simulator's truth file, a mask drawn in pyFAI-calib2).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace edgeloop::saxs {

struct PixelMaskSource {
  std::filesystem::path file;
  std::string dataset;  // absolute object path, "/detector/pixel_mask"
};

// Splits "file.h5:/dataset" at the last ":/" (file names may contain colons, object paths
// rarely do). std::invalid_argument when there is no ":/", or the file or dataset part is empty.
PixelMaskSource parse_pixel_mask_source(std::string_view spec);

// The dataset as one byte per pixel, row-major: 1 where its value is nonzero (any NeXus mask bit
// set, or a boolean mask's true), else 0. It must be two-dimensional, rows × cols, of any
// numeric type. std::invalid_argument for another shape; edgeloop::h5::H5Error when the file or
// dataset cannot be read.
std::vector<std::uint8_t> read_pixel_mask(const PixelMaskSource& source, std::uint32_t rows,
                                          std::uint32_t cols);

}  // namespace edgeloop::saxs
