// Kokkos kernels of electron detection: flag, scan, fill. Each pixel's test reads only its
// 3 x 3 neighbourhood, so the flag kernel has no dependencies (a row per work item); the scan
// turns flags into slots so that events come out in row-major order on any backend.
#include <Kokkos_Core.hpp>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "edgeloop/pipeline/lossy/detail/electron_cluster.hpp"
#include "edgeloop/pipeline/lossy/kokkos_electron_detector.hpp"

namespace edgeloop::lossy {
namespace {

using HostExec = Kokkos::DefaultHostExecutionSpace;
using Range = Kokkos::RangePolicy<HostExec, Kokkos::IndexType<std::size_t>>;

}  // namespace

// Flags and slots per pixel, kept between frames so a frame costs no allocation.
struct KokkosElectronDetector::Scratch {
  std::vector<std::uint32_t> flags;
  std::vector<std::uint32_t> slots;
};

KokkosElectronDetector::KokkosElectronDetector(ElectronCounterSettings settings)
    : settings_(ElectronCounter(settings).settings()), scratch_(std::make_unique<Scratch>()) {}
KokkosElectronDetector::~KokkosElectronDetector() = default;
KokkosElectronDetector::KokkosElectronDetector(KokkosElectronDetector&&) noexcept = default;
KokkosElectronDetector& KokkosElectronDetector::operator=(KokkosElectronDetector&&) noexcept =
    default;

double KokkosElectronDetector::detect(std::span<const double> pixels, ImageShape shape,
                                      std::vector<CountedEvent>& events) {
  // Kokkos 3.4's Serial backend runs kernels even before initialize(), which would hide a
  // missing KokkosRuntime until a build with a threaded backend crashed on it.
  if (!Kokkos::is_initialized()) {
    throw std::logic_error("electron detector: Kokkos is not initialised (no KokkosRuntime)");
  }
  if (pixels.size() != shape.pixels() || pixels.empty()) {
    throw std::invalid_argument("electron detector: " + std::to_string(pixels.size()) +
                                " pixels for a " + std::to_string(shape.rows) + " x " +
                                std::to_string(shape.cols) + " frame");
  }
  const std::size_t n = pixels.size();
  scratch_->flags.resize(n);
  scratch_->slots.resize(n);
  const double* const px = pixels.data();
  std::uint32_t* const flags = scratch_->flags.data();
  std::uint32_t* const slots = scratch_->slots.data();
  const auto rows = static_cast<std::ptrdiff_t>(shape.rows);
  const auto cols = static_cast<std::ptrdiff_t>(shape.cols);
  const ElectronCounterSettings s = settings_;

  // One row per work item: the column loop runs without an index division per pixel.
  const auto row_range = Range(0, static_cast<std::size_t>(rows));
  Kokkos::parallel_for("edgeloop::electron_flags", row_range, [=](std::size_t row) {
    const auto i = static_cast<std::ptrdiff_t>(row);
    CountedEvent unused;
    for (std::ptrdiff_t j = 0; j < cols; ++j) {
      flags[i * cols + j] = detail::electron_at(px, rows, cols, i, j, s, unused) ? 1U : 0U;
    }
  });
  std::uint32_t count = 0;
  Kokkos::parallel_scan(
      "edgeloop::electron_slots", Range(0, n),
      [=](std::size_t p, std::uint32_t& running, bool final) {
        if (final) slots[p] = running;
        running += flags[p];
      },
      count);
  double charge = 0.0;
  Kokkos::parallel_reduce(
      "edgeloop::electron_charge", Range(0, n),
      [=](std::size_t p, double& sum) {
        const double v = px[p] - s.pedestal_adu;
        if (std::isfinite(v)) sum += v;
      },
      charge);
  const std::size_t first = events.size();
  events.resize(first + count);
  CountedEvent* const out = events.data() + first;
  Kokkos::parallel_for("edgeloop::electron_events", row_range, [=](std::size_t row) {
    const auto i = static_cast<std::ptrdiff_t>(row);
    for (std::ptrdiff_t j = 0; j < cols; ++j) {
      const auto p = static_cast<std::size_t>(i * cols + j);
      if (flags[p] != 0U) detail::electron_at(px, rows, cols, i, j, s, out[slots[p]]);
    }
  });
  Kokkos::fence();
  return charge;
}

}  // namespace edgeloop::lossy
