#include "edgeloop/pipeline/stem/scan_maps.hpp"

#include <limits>
#include <stdexcept>
#include <utility>

namespace edgeloop {

ScanMaps::ScanMaps(std::uint32_t nx, std::uint32_t ny, std::vector<Channel> channels)
    : nx_(nx), ny_(ny), channels_(std::move(channels)) {
  if (nx == 0 || ny == 0 || positions() > kMaxPositions) {
    throw std::invalid_argument("scan maps: a " + std::to_string(nx) + " x " + std::to_string(ny) +
                                " grid is empty or larger than " + std::to_string(kMaxPositions) +
                                " positions");
  }
  if (channels_.empty()) throw std::invalid_argument("scan maps: no channels");
  sums_.assign(positions() * channels_.size(), 0.0);
  visits_.assign(positions(), 0);
}

void ScanMaps::add(std::int64_t scan_index, std::span<const double> values) {
  if (scan_index < 0 || static_cast<std::uint64_t>(scan_index) >= positions()) {
    throw std::out_of_range("scan maps: scan index " + std::to_string(scan_index) +
                            " is outside the " + std::to_string(nx_) + " x " + std::to_string(ny_) +
                            " grid");
  }
  if (values.size() != channels_.size()) {
    throw std::invalid_argument("scan maps: " + std::to_string(values.size()) + " values for " +
                                std::to_string(channels_.size()) + " channels");
  }
  const auto index = static_cast<std::size_t>(scan_index);
  double* sums = sums_.data() + index * channels_.size();
  for (std::size_t c = 0; c < values.size(); ++c) sums[c] += values[c];
  ++visits_[index];
}

double ScanMaps::mean(std::size_t channel, std::size_t index) const {
  const std::uint32_t n = visits_[index];
  if (n == 0) return std::numeric_limits<double>::quiet_NaN();
  const double sum = sums_[index * channels_.size() + channel];
  return sum / static_cast<double>(n);
}

Product ScanMaps::map_product(std::string name, std::string units,
                              std::vector<double> values) const {
  ProductAxis y{"y", "scan step", std::vector<double>(ny_)};
  ProductAxis x{"x", "scan step", std::vector<double>(nx_)};
  for (std::uint32_t i = 0; i < ny_; ++i) y.values[i] = i;
  for (std::uint32_t i = 0; i < nx_; ++i) x.values[i] = i;
  Product p;
  p.name = std::move(name);
  p.values = std::move(values);
  p.shape = {ny_, nx_};
  p.axes = {std::move(y), std::move(x)};
  p.units = std::move(units);
  return p;
}

void ScanMaps::products(std::vector<Product>& out) const {
  const std::size_t n = positions();
  for (std::size_t c = 0; c < channels_.size(); ++c) {
    std::vector<double> values(n);
    for (std::size_t i = 0; i < n; ++i) values[i] = mean(c, i);
    out.push_back(map_product(channels_[c].name, channels_[c].units, std::move(values)));
  }
  std::vector<double> visited(visits_.begin(), visits_.end());
  out.push_back(map_product("visited_map", "", std::move(visited)));
}

}  // namespace edgeloop
