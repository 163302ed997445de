// Live maps over a scan grid, filled as frames arrive in any order: per position the mean of
// every value recorded there and how often it was visited.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "edgeloop/pipeline/product.hpp"

namespace edgeloop {

// Position (x, y) has scan index y * nx + x. Sums and visit counts are kept rather than
// running means, so a map does not depend on the order its visits came in (exactly so when the
// sums are exact, as for integer counts) and a revisit is averaged with its earlier visits.
// Not synchronised: the owner serialises add() against products().
class ScanMaps {
 public:
  // Largest grid accepted (4096 x 4096 positions).
  static constexpr std::size_t kMaxPositions = std::size_t{1} << 24;

  struct Channel {
    std::string name;   // product name of the map
    std::string units;  // of its values
  };

  // Throws std::invalid_argument for an empty grid, one beyond kMaxPositions or no channels.
  ScanMaps(std::uint32_t nx, std::uint32_t ny, std::vector<Channel> channels);

  std::uint32_t nx() const { return nx_; }
  std::uint32_t ny() const { return ny_; }
  std::size_t positions() const { return std::size_t{nx_} * ny_; }
  std::size_t channel_count() const { return channels_.size(); }

  // Throws std::out_of_range for an index outside [0, nx * ny) (the unassigned -1 included)
  // and std::invalid_argument unless values holds one value per channel; changes nothing then.
  void add(std::int64_t scan_index, std::span<const double> values);

  std::uint32_t visits(std::size_t index) const { return visits_[index]; }
  // Mean of the visits to `index` in `channel`; NaN where never visited.
  double mean(std::size_t channel, std::size_t index) const;

  // Appends one [ny, nx] map per channel, in channel order (NaN where unvisited), then
  // "visited_map" with the visit counts; axes "y" and "x" in scan steps.
  void products(std::vector<Product>& out) const;
  // The same [ny, nx] shape and axes as products(), for maps derived from these.
  Product map_product(std::string name, std::string units, std::vector<double> values) const;

 private:
  std::uint32_t nx_;
  std::uint32_t ny_;
  std::vector<Channel> channels_;
  std::vector<double> sums_;  // position-major: sums_[index * channels + channel]
  std::vector<std::uint32_t> visits_;
};

}  // namespace edgeloop
