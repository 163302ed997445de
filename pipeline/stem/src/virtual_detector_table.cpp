#include "edgeloop/pipeline/stem/virtual_detector_table.hpp"

#include <stdexcept>
#include <string>

namespace edgeloop {
namespace {

// The runs of `bit` along one row, as half-open column ranges; at most N of them,
// which the geometry guarantees (a disc meets a row once, an annulus at most twice).
template <std::size_t N>
std::size_t find_runs(std::span<const std::uint8_t> row, std::uint8_t bit,
                      std::array<std::uint32_t, N>& begin, std::array<std::uint32_t, N>& end) {
  std::size_t runs = 0;
  const auto cols = static_cast<std::uint32_t>(row.size());
  for (std::uint32_t col = 0; col < cols;) {
    if ((row[col] & bit) == 0) {
      ++col;
      continue;
    }
    std::uint32_t stop = col;
    while (stop < cols && (row[stop] & bit) != 0) ++stop;
    if (runs == N) throw std::logic_error("virtual detectors: region is not a disc or annulus");
    begin[runs] = col;
    end[runs] = stop;
    ++runs;
    col = stop;
  }
  return runs;
}

}  // namespace

VirtualDetectorTable::VirtualDetectorTable(const VirtualDetectorGeometry& geometry,
                                           std::uint32_t rows, std::uint32_t cols)
    : geometry_(geometry), rows_(rows), cols_(cols) {
  geometry_.validate();
  if (rows == 0 || cols == 0 || rows > kMaxSide || cols > kMaxSide) {
    throw std::invalid_argument("virtual detectors: detector shape " + std::to_string(rows) +
                                " x " + std::to_string(cols) + " is outside 1.." +
                                std::to_string(kMaxSide) + " per side");
  }
  const double bf2 = geometry_.bf_radius * geometry_.bf_radius;
  const double inner2 = geometry_.adf_inner * geometry_.adf_inner;
  const double outer2 = geometry_.adf_outer * geometry_.adf_outer;
  const double com2 = geometry_.com_radius * geometry_.com_radius;
  const bool com_everywhere = geometry_.com_radius == 0.0;

  regions_.resize(pixel_count());
  spans_.resize(rows);
  for (std::uint32_t row = 0; row < rows; ++row) {
    const double dy = static_cast<double>(row) - geometry_.centre_y;
    const double dy2 = dy * dy;
    const std::span<std::uint8_t> line(regions_.data() + std::size_t{row} * cols, cols);
    for (std::uint32_t col = 0; col < cols; ++col) {
      const double dx = static_cast<double>(col) - geometry_.centre_x;
      const double r2 = dx * dx + dy2;
      std::uint8_t bits = 0;
      if (r2 <= bf2) bits |= kRegionBf;
      if (r2 >= inner2 && r2 < outer2) bits |= kRegionAdf;
      if (com_everywhere || r2 <= com2) bits |= kRegionCom;
      line[col] = bits;
      if (bits & kRegionBf) ++bf_pixels_;
      if (bits & kRegionAdf) ++adf_pixels_;
      if (bits & kRegionCom) {
        ++com_pixels_;
        com_column_sum_ += col;
        com_row_sum_ += row;
      }
    }
    RowSpans& s = spans_[row];
    std::array<std::uint32_t, 1> begin{};
    std::array<std::uint32_t, 1> end{};
    if (find_runs(line, kRegionBf, begin, end) == 1) {
      s.bf_begin = begin[0];
      s.bf_end = end[0];
    }
    find_runs(line, kRegionAdf, s.adf_begin, s.adf_end);  // unused runs stay empty [0, 0)
    if (find_runs(line, kRegionCom, begin, end) == 1) {
      s.com_begin = begin[0];
      s.com_end = end[0];
    }
  }
}

}  // namespace edgeloop
