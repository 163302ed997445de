// The simplest scan strategy: every probe position of an nx-by-ny grid, row by row.
#pragma once

#include <cstdint>
#include <optional>

namespace edgeloop {

struct ScanPoint {
  std::int64_t index;  // linear index into the grid, y * nx + x
  double x;
  double y;
};

class RasterScan {
 public:
  RasterScan(std::uint32_t nx, std::uint32_t ny);

  std::uint64_t size() const { return static_cast<std::uint64_t>(nx_) * ny_; }
  std::uint64_t issued() const { return next_; }
  // The next position, or nullopt when the whole grid has been issued.
  std::optional<ScanPoint> next();

 private:
  std::uint32_t nx_;
  std::uint32_t ny_;
  std::uint64_t next_ = 0;
};

}  // namespace edgeloop
