// A bounded, uniform random sample of a run's reconstructed ions (reservoir sampling,
// algorithm R), so the point cloud of any run fits in a product of at most `capacity` rows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace edgeloop {

class PointCloudReservoir {
 public:
  static constexpr std::size_t kColumns = 4;  // x, y, z (nm), label (range index, -1 unranged)

  // capacity >= 1. The same seed and offers give the same sample.
  explicit PointCloudReservoir(std::size_t capacity = 200000, std::uint64_t seed = 1);

  // Every point offered has the same chance, capacity / seen(), of being in the sample.
  void offer(double x, double y, double z, double label) {
    if (points_.size() < capacity_ * kColumns) {
      points_.insert(points_.end(), {x, y, z, label});
    } else {
      const std::uint64_t slot = next() % (seen_ + 1);
      if (slot < capacity_) {
        double* row = points_.data() + slot * kColumns;
        row[0] = x;
        row[1] = y;
        row[2] = z;
        row[3] = label;
      }
    }
    ++seen_;
  }

  std::size_t capacity() const { return capacity_; }
  std::uint64_t seen() const { return seen_; }
  std::size_t size() const { return points_.size() / kColumns; }
  // Row-major [size(), kColumns].
  std::span<const double> points() const { return points_; }

 private:
  // splitmix64: tiny, fast and fixed, so a sample is the same on every platform.
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30U)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27U)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31U);
  }

  std::size_t capacity_;
  std::uint64_t state_;
  std::uint64_t seen_ = 0;
  std::vector<double> points_;
};

}  // namespace edgeloop
