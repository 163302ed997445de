// The adaptive-scanning environment: a ground-truth virtual image (supplied by the caller; the
// controllers do not know the simulator), the sparse scan measured from it, the reconstruction
// error, and the reward of each probe position: the error it removed per unit of dose.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "edgeloop/controllers/scan/sparse_scan_image.hpp"

namespace edgeloop::scan {

// Root-mean-square difference divided by the truth's range (max - min; 1 for a flat truth), so
// images of any intensity scale compare.
double normalised_rmse(std::span<const double> reconstruction, std::span<const double> truth);

struct ScanStepResult {
  double reward = 0.0;  // (error before - error after) / dose of the step
  double error = 0.0;   // normalised RMSE after the step
  double dose = 0.0;    // fraction of the full raster's dose spent so far
  bool done = false;    // the budget is spent
};

class ScanEnvironment {
 public:
  // `truth` is row-major ny x nx; `budget` the most positions an episode may measure.
  ScanEnvironment(std::uint32_t nx, std::uint32_t ny, std::vector<double> truth,
                  std::size_t budget);

  void reset();
  // Measures position i (its true value, as a noise-free detector would). Throws
  // std::invalid_argument when i is not available or the budget is spent.
  ScanStepResult step(std::int64_t i);

  const SparseScanImage& observation() const { return scan_; }
  const std::vector<double>& truth() const { return truth_; }
  double error() const { return error_; }
  // Fraction of the full raster's dose: every position costs the same dose, 1 / positions.
  double dose() const;
  double dose_per_position() const { return 1.0 / static_cast<double>(truth_.size()); }
  std::size_t budget() const { return budget_; }
  bool done() const { return scan_.visited_count() >= budget_; }

  // For every position, how much measuring it next would lower the sum of squared
  // reconstruction errors (0 for unavailable ones). Uses the truth: an oracle for teaching and
  // for reference curves, not something a real scan knows.
  std::vector<double> error_reductions() const;

 private:
  std::uint32_t nx_;
  std::uint32_t ny_;
  std::vector<double> truth_;
  std::size_t budget_;
  SparseScanImage scan_;
  double error_ = 0.0;
};

}  // namespace edgeloop::scan
