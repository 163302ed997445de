// The virtual detectors of one geometry resolved onto one detector shape, once: which region
// every pixel belongs to, and the same as column ranges per row, so the kernels add pixels
// instead of testing radii per pixel per frame.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "edgeloop/pipeline/stem/virtual_detector_geometry.hpp"

namespace edgeloop {

// Region bits of VirtualDetectorTable::regions(); a pixel may carry several.
inline constexpr std::uint8_t kRegionBf = 1;
inline constexpr std::uint8_t kRegionAdf = 2;
inline constexpr std::uint8_t kRegionCom = 4;

class VirtualDetectorTable {
 public:
  // Largest detector side accepted: keeps every pixel index and every per-row partial sum of
  // a u16 row within 32 bits.
  static constexpr std::uint32_t kMaxSide = 32768;

  // A row's share of each region as half-open column ranges [begin, end). A disc meets a row
  // in one range and the ADF annulus in at most two, so these hold every region exactly.
  struct RowSpans {
    std::uint32_t bf_begin = 0;
    std::uint32_t bf_end = 0;
    std::array<std::uint32_t, 2> adf_begin{};
    std::array<std::uint32_t, 2> adf_end{};
    std::uint32_t com_begin = 0;
    std::uint32_t com_end = 0;
  };

  // Throws std::invalid_argument for an invalid geometry or a side outside 1..kMaxSide.
  VirtualDetectorTable(const VirtualDetectorGeometry& geometry, std::uint32_t rows,
                       std::uint32_t cols);

  const VirtualDetectorGeometry& geometry() const { return geometry_; }
  std::uint32_t rows() const { return rows_; }
  std::uint32_t cols() const { return cols_; }
  std::size_t pixel_count() const { return std::size_t{rows_} * cols_; }

  // Row-major, one byte of region bits per pixel.
  std::span<const std::uint8_t> regions() const { return regions_; }
  std::span<const RowSpans> row_spans() const { return spans_; }

  std::size_t bf_pixels() const { return bf_pixels_; }
  std::size_t adf_pixels() const { return adf_pixels_; }
  std::size_t com_pixels() const { return com_pixels_; }
  // Sum of the column (row) index over the COM region: with the largest pixel value it bounds
  // the first moments, which must fit the 64-bit integer accumulators.
  std::uint64_t com_column_sum() const { return com_column_sum_; }
  std::uint64_t com_row_sum() const { return com_row_sum_; }

 private:
  VirtualDetectorGeometry geometry_;
  std::uint32_t rows_;
  std::uint32_t cols_;
  std::vector<std::uint8_t> regions_;
  std::vector<RowSpans> spans_;
  std::size_t bf_pixels_ = 0;
  std::size_t adf_pixels_ = 0;
  std::size_t com_pixels_ = 0;
  std::uint64_t com_column_sum_ = 0;
  std::uint64_t com_row_sum_ = 0;
};

}  // namespace edgeloop
