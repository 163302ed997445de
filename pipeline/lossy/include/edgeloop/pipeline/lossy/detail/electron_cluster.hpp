// The per-pixel rule of electron counting (threshold, 3 x 3 maximum with its tie-break,
// centroid, cluster sum), written once so the CPU pass and the Kokkos kernel find exactly the
// same events.
#pragma once

#include <cmath>
#include <cstddef>

#include "edgeloop/pipeline/lossy/counted_event.hpp"
#include "edgeloop/pipeline/lossy/electron_counter.hpp"

namespace edgeloop::lossy::detail {

// Whether pixel (i, j) of a rows x cols row-major frame is an event; if so, fills `out`.
// A pixel is an event when, pedestal removed, it exceeds the threshold and is the maximum of
// its 3 x 3 neighbourhood, ties going to the first pixel in row-major order (a neighbour before
// it must be strictly lower, one after it not higher), and the neighbourhood's sum reaches
// min_cluster_adu. Non-finite pixels are neither events nor neighbours.
inline bool electron_at(const double* pixels, std::ptrdiff_t rows, std::ptrdiff_t cols,
                        std::ptrdiff_t i, std::ptrdiff_t j, const ElectronCounterSettings& s,
                        CountedEvent& out) {
  const double centre = pixels[i * cols + j] - s.pedestal_adu;
  if (!(centre > s.threshold_adu)) return false;  // NaN is never an event
  double sum = 0.0;
  double weight = 0.0;
  double moment_x = 0.0;
  double moment_y = 0.0;
  for (std::ptrdiff_t di = -1; di <= 1; ++di) {
    const std::ptrdiff_t ni = i + di;
    if (ni < 0 || ni >= rows) continue;
    for (std::ptrdiff_t dj = -1; dj <= 1; ++dj) {
      const std::ptrdiff_t nj = j + dj;
      if (nj < 0 || nj >= cols) continue;
      const double v = pixels[ni * cols + nj] - s.pedestal_adu;
      if (!std::isfinite(v)) continue;
      const bool before = di < 0 || (di == 0 && dj < 0);
      if (v > centre || (before && v == centre)) return false;
      sum += v;
      // Noise below the pedestal carries no position.
      const double w = v > 0.0 ? v : 0.0;
      weight += w;
      moment_x += w * static_cast<double>(dj);
      moment_y += w * static_cast<double>(di);
    }
  }
  if (sum < s.min_cluster_adu) return false;
  out.x = static_cast<double>(j) + moment_x / weight;  // weight >= centre > 0
  out.y = static_cast<double>(i) + moment_y / weight;
  out.charge_adu = sum;
  if (s.weight_by_charge) {
    const double n = std::round(sum / s.gain_adu);
    out.electrons = n > 1.0 ? n : 1.0;
  } else {
    out.electrons = 1.0;
  }
  return true;
}

}  // namespace edgeloop::lossy::detail
