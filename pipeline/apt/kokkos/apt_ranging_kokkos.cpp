// Kokkos backend of the ranging kernel. Tallies go through ScatterViews: plain adds on a serial
// backend, per-thread copies or atomics on parallel ones, so integer counts stay exact either way.
#include <Kokkos_Core.hpp>
#include <Kokkos_ScatterView.hpp>

#include <array>
#include <cstring>
#include <stdexcept>
#include <string>

#include "edgeloop/pipeline/apt/apt_ranging_kernel.hpp"

namespace edgeloop {
namespace {

// The spans live in host memory, so the kernel must run on a host space even in a build whose
// default execution space is a device.
using HostExec = Kokkos::DefaultHostExecutionSpace;
using Policy = Kokkos::RangePolicy<HostExec, Kokkos::IndexType<std::size_t>>;
using CountView = Kokkos::View<std::uint64_t*, Kokkos::HostSpace, Kokkos::MemoryUnmanaged>;
using ScatterCounts =
    Kokkos::Experimental::ScatterView<std::uint64_t*, Kokkos::LayoutRight, HostExec>;

// Events sit in the message they arrived in, so a chunk may start at any address; a memcpy
// load is what an unaligned read has to be, and compiles to one.
wire::Event load(const std::byte* base, std::size_t i) {
  wire::Event e;
  std::memcpy(&e, base + i * sizeof(wire::Event), sizeof(wire::Event));
  return e;
}

void check_size(const char* what, std::size_t got, std::size_t want) {
  if (got != want) {
    throw std::invalid_argument(std::string("range_events_kokkos: ") + what + " has " +
                                std::to_string(got) + " elements, needs " + std::to_string(want));
  }
}

}  // namespace

void range_events_kokkos(std::span<const wire::Event> events, double voltage_v,
                         const AptRangingTables& tables, AptRangingOutputs& out) {
  // Kokkos 3.4's Serial backend runs kernels even before initialize(), which would hide a
  // missing KokkosRuntime until a build with a threaded or device backend crashed on it.
  if (!Kokkos::is_initialized()) {
    throw std::logic_error("range_events_kokkos: Kokkos is not initialised (no KokkosRuntime)");
  }
  const std::size_t n = events.size();
  const std::size_t ranges = tables.range_low.size();
  check_size("range_high", tables.range_high.size(), ranges);
  check_size("mass_to_charge", out.mass_to_charge.size(), n);
  check_size("range_index", out.range_index.size(), n);
  check_size("spectrum", out.spectrum.size(), tables.binning.bins());
  check_size("range_counts", out.range_counts.size(), ranges + 1);
  if (n == 0) return;

  // Two extra tally slots after the range counts: events in the window, events in multiples.
  std::array<std::uint64_t, 2> extra_storage{0, 0};
  const CountView spectrum(out.spectrum.data(), out.spectrum.size());
  const CountView range_counts(out.range_counts.data(), out.range_counts.size());
  const CountView extra(extra_storage.data(), extra_storage.size());
  ScatterCounts spectrum_scatter(spectrum);
  ScatterCounts range_scatter(range_counts);
  ScatterCounts extra_scatter(extra);

  const auto* base = reinterpret_cast<const std::byte*>(events.data());
  const double* low = tables.range_low.data();
  const double* high = tables.range_high.data();
  double* mz_out = out.mass_to_charge.data();
  std::int32_t* index_out = out.range_index.data();
  const AptFlightGeometry geometry = tables.geometry;
  const MassSpectrumBinning binning = tables.binning;
  const double window_low = tables.window_low;
  const double window_high = tables.window_high;
  const bool window = window_low < window_high;
  const auto unranged = static_cast<std::int32_t>(ranges);

  Kokkos::parallel_for("edgeloop::apt_range_events", Policy(0, n), [=](std::size_t i) {
    const wire::Event e = load(base, i);
    const double mz = geometry.mass_to_charge(e, voltage_v);
    mz_out[i] = mz;

    // The last range starting at or below mz is the only candidate (no overlaps).
    std::size_t first = 0;
    std::size_t count = ranges;
    while (count > 0) {
      const std::size_t step = count / 2;
      if (low[first + step] <= mz) {
        first += step + 1;
        count -= step + 1;
      } else {
        count = step;
      }
    }
    std::int32_t r = -1;
    if (first > 0 && mz < high[first - 1]) r = static_cast<std::int32_t>(first - 1);
    index_out[i] = r;

    auto ranged = range_scatter.access();
    ranged(r < 0 ? unranged : r) += 1;
    // m/z 0 means "before t0", no mass at all: not a count at the spectrum's low edge.
    const std::int64_t bin = mz > 0.0 ? binning.bin_of(mz) : -1;
    if (bin >= 0) {
      auto counts = spectrum_scatter.access();
      counts(static_cast<std::size_t>(bin)) += 1;
    }
    const bool in_window = window && mz >= window_low && mz < window_high;
    // Sorted by pulse, a multiple is a run of equal pulses: a hit belongs to one when a
    // neighbour shares its pulse.
    const bool multiple = (i > 0 && load(base, i - 1).pulse() == e.pulse()) ||
                          (i + 1 < n && load(base, i + 1).pulse() == e.pulse());
    if (in_window || multiple) {
      auto tally = extra_scatter.access();
      if (in_window) tally(0) += 1;
      if (multiple) tally(1) += 1;
    }
  });
  spectrum_scatter.contribute_into(spectrum);
  range_scatter.contribute_into(range_counts);
  extra_scatter.contribute_into(extra);
  HostExec().fence();
  out.in_window += extra_storage[0];
  out.in_multiples += extra_storage[1];
}

}  // namespace edgeloop
