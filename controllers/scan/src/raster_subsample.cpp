#include <algorithm>
#include <cmath>

#include "edgeloop/controllers/scan/scan_strategy.hpp"

namespace edgeloop::scan {

std::vector<std::int64_t> raster_subsample_positions(std::uint32_t nx, std::uint32_t ny,
                                                     std::size_t count) {
  const std::size_t total = static_cast<std::size_t>(nx) * ny;
  count = std::clamp<std::size_t>(count, 1, total);
  // Rows near the aspect-true count, then the fewest columns that reach `count`.
  const double ideal_rows =
      std::sqrt(static_cast<double>(count) * static_cast<double>(ny) / static_cast<double>(nx));
  std::size_t best_kx = nx;
  std::size_t best_ky = ny;
  for (long delta = -2; delta <= 2; ++delta) {
    const long rows = std::lround(ideal_rows) + delta;
    if (rows < 1 || rows > static_cast<long>(ny)) continue;
    const auto ky = static_cast<std::size_t>(rows);
    const std::size_t kx = std::min<std::size_t>(nx, (count + ky - 1) / ky);
    if (kx * ky < count) continue;
    if (kx * ky < best_kx * best_ky) {
      best_kx = kx;
      best_ky = ky;
    }
  }
  std::vector<std::int64_t> positions;
  positions.reserve(best_kx * best_ky);
  for (std::size_t j = 0; j < best_ky; ++j) {
    const auto y = static_cast<std::int64_t>(
        (static_cast<double>(j) + 0.5) * static_cast<double>(ny) / static_cast<double>(best_ky));
    for (std::size_t i = 0; i < best_kx; ++i) {
      const auto x = static_cast<std::int64_t>(
          (static_cast<double>(i) + 0.5) * static_cast<double>(nx) / static_cast<double>(best_kx));
      positions.push_back(y * nx + x);
    }
  }
  return positions;
}

std::vector<std::int64_t> seed_grid_positions(std::uint32_t nx, std::uint32_t ny) {
  const std::size_t total = static_cast<std::size_t>(nx) * ny;
  return raster_subsample_positions(nx, ny, std::max<std::size_t>(4, total / 64));
}

std::int64_t next_seed_position(const SparseScanImage& scan,
                                const std::vector<std::int64_t>& seeds) {
  for (const auto s : seeds) {
    if (scan.available(s)) return s;
  }
  return -1;
}

}  // namespace edgeloop::scan
