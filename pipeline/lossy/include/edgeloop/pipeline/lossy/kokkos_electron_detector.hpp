// Electron detection as Kokkos kernels: the data-parallel form of ElectronCounter's pass over a
// frame, finding the same events in the same (row-major) order, ready for a device backend.
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "edgeloop/pipeline/lossy/counted_event.hpp"
#include "edgeloop/pipeline/lossy/electron_counter.hpp"
#include "edgeloop/pipeline/lossy/frame_pixels.hpp"

namespace edgeloop::lossy {

// Three kernels on Kokkos' default host execution space (Serial in the Debian build): every
// pixel tests the rule of detail/electron_cluster.hpp independently; an exclusive scan over the
// flags gives each event its slot, so the order is row-major whatever the parallelism; a
// reduction sums the frame's charge. The events equal ElectronCounter's bit for bit; the
// charge may differ in its last bits where a backend sums in another order.
//
// Holds scratch space: one instance per thread. Needs a live KokkosRuntime (std::logic_error
// otherwise).
class KokkosElectronDetector {
 public:
  explicit KokkosElectronDetector(ElectronCounterSettings settings);  // validated as the counter's
  ~KokkosElectronDetector();
  KokkosElectronDetector(KokkosElectronDetector&&) noexcept;
  KokkosElectronDetector& operator=(KokkosElectronDetector&&) noexcept;

  const ElectronCounterSettings& settings() const { return settings_; }

  // Appends the frame's events to `events` and returns its summed charge (pedestal removed,
  // non-finite pixels left out). std::invalid_argument when pixels.size() != shape.pixels().
  double detect(std::span<const double> pixels, ImageShape shape,
                std::vector<CountedEvent>& events);

 private:
  struct Scratch;
  ElectronCounterSettings settings_;
  std::unique_ptr<Scratch> scratch_;
};

}  // namespace edgeloop::lossy
