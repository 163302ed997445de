// What a sparse scan has measured so far on an nx-by-ny probe grid, and the image rebuilt from
// it: the nearest measured neighbour of every position (the same reconstruction for every
// strategy, exact once every position is measured, updated in O(positions) per sample).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace edgeloop::scan {

class SparseScanImage {
 public:
  enum class State : std::uint8_t { Unvisited, Pending, Measured, Lost };

  SparseScanImage(std::uint32_t nx, std::uint32_t ny);

  std::uint32_t nx() const { return nx_; }
  std::uint32_t ny() const { return ny_; }
  std::size_t size() const { return state_.size(); }
  std::int64_t index(std::uint32_t x, std::uint32_t y) const {
    return static_cast<std::int64_t>(y) * nx_ + x;
  }

  State state(std::int64_t i) const { return state_.at(checked(i)); }
  // A position a strategy may still choose: neither measured nor on its way.
  bool available(std::int64_t i) const { return state(i) == State::Unvisited; }
  bool measured(std::int64_t i) const { return state(i) == State::Measured; }

  // A command for position i is out: it is no longer available, its value not yet known.
  void reserve(std::int64_t i);
  // The value measured at i (unvisited or pending before). Throws std::invalid_argument for a
  // position out of range, measured already, or a value that is not finite.
  void measure(std::int64_t i, double value);
  // Position i was visited but gave no usable value: dose spent, nothing learned.
  void lose(std::int64_t i);

  std::size_t measured_count() const { return order_.size(); }
  // Positions that cost dose: measured, lost or pending.
  std::size_t visited_count() const { return visited_; }
  const std::vector<std::int64_t>& order() const { return order_; }  // measured, in order
  double value(std::int64_t i) const { return value_.at(checked(i)); }

  // Nearest-neighbour reconstruction (0 before the first sample); ties go to the sample
  // measured first, so it depends on the set of samples and their order only through ties.
  const std::vector<double>& reconstruction() const { return reconstruction_; }
  // Squared distance in grid steps from each position to its nearest sample (a large value
  // before the first sample).
  const std::vector<double>& nearest_distance2() const { return distance2_; }
  // Mean and standard deviation of the measured values (0 and 1 before two samples differ).
  double value_mean() const;
  double value_std() const;

 private:
  std::size_t checked(std::int64_t i) const;

  std::uint32_t nx_;
  std::uint32_t ny_;
  std::vector<State> state_;
  std::vector<double> value_;
  std::vector<double> reconstruction_;
  std::vector<double> distance2_;
  std::vector<std::int64_t> order_;
  std::size_t visited_ = 0;
  double sum_ = 0.0;
  double sum2_ = 0.0;
};

}  // namespace edgeloop::scan
