#include "edgeloop/pipeline/apt/point_cloud_reservoir.hpp"

#include <stdexcept>

namespace edgeloop {

PointCloudReservoir::PointCloudReservoir(std::size_t capacity, std::uint64_t seed)
    : capacity_(capacity), state_(seed) {
  if (capacity == 0) throw std::invalid_argument("PointCloudReservoir: capacity must be >= 1");
}

}  // namespace edgeloop
