#include "edgeloop/controllers/raster_scan.hpp"

#include <stdexcept>

namespace edgeloop {

RasterScan::RasterScan(std::uint32_t nx, std::uint32_t ny) : nx_(nx), ny_(ny) {
  if (nx == 0 || ny == 0) throw std::invalid_argument("raster scan needs nx > 0 and ny > 0");
}

std::optional<ScanPoint> RasterScan::next() {
  if (next_ >= size()) return std::nullopt;
  const std::uint64_t i = next_++;
  return ScanPoint{static_cast<std::int64_t>(i), static_cast<double>(i % nx_),
                   static_cast<double>(i / nx_)};
}

}  // namespace edgeloop
