#include "edgeloop/pipeline/saxs/pixel_mask_file.hpp"

#include <stdexcept>

#include "edgeloop/formats/h5_file.hpp"

namespace edgeloop::saxs {

PixelMaskSource parse_pixel_mask_source(std::string_view spec) {
  const std::size_t split = spec.rfind(":/");
  if (split == std::string_view::npos || split == 0 || split + 2 == spec.size()) {
    throw std::invalid_argument("mask '" + std::string(spec) +
                                "' is not of the form \"file.h5:/path/to/dataset\"");
  }
  return {std::filesystem::path(spec.substr(0, split)), std::string(spec.substr(split + 1))};
}

std::vector<std::uint8_t> read_pixel_mask(const PixelMaskSource& source, std::uint32_t rows,
                                          std::uint32_t cols) {
  const h5::File file = h5::File::open_read_only(source.file);
  const std::vector<std::size_t> shape = file.shape(source.dataset);
  if (shape.size() != 2 || shape[0] != rows || shape[1] != cols) {
    std::string got;
    for (const std::size_t d : shape) got += (got.empty() ? "" : " x ") + std::to_string(d);
    throw std::invalid_argument("mask " + source.file.string() + ":" + source.dataset + " is " +
                                (got.empty() ? "a scalar" : got) + ", the detector " +
                                std::to_string(rows) + " x " + std::to_string(cols));
  }
  // Read as double: HDF5 converts every integer and float type to it without losing whether a
  // value is zero, so one path serves u8 booleans, u32 NeXus bits and float masks alike.
  const std::vector<double> values = file.read<double>(source.dataset);
  std::vector<std::uint8_t> mask(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) mask[i] = values[i] != 0.0 ? 1 : 0;
  return mask;
}

}  // namespace edgeloop::saxs
