// The per-chunk work of ranging on Kokkos: each event's mass-to-charge, range and spectrum bin,
// tallied into counts. Only spans cross this API, so no Kokkos type leaves the library.
#pragma once

#include <edgeloop/wire/event_chunk_generated.h>

#include <cstdint>
#include <span>

#include "edgeloop/pipeline/apt/apt_flight_geometry.hpp"
#include "edgeloop/pipeline/apt/mass_spectrum_binning.hpp"

namespace edgeloop {

// What stays fixed over a run.
struct AptRangingTables {
  AptFlightGeometry geometry{};
  MassSpectrumBinning binning{};
  // Range r is [range_low[r], range_high[r]); sorted by low, not overlapping (as
  // formats::RangeTable guarantees).
  std::span<const double> range_low{};
  std::span<const double> range_high{};
  // The background window [window_low, window_high); none when !(window_low < window_high).
  double window_low = 0.0;
  double window_high = 0.0;
};

// Where one chunk's results go. The per-event spans are overwritten; the tallies are added to,
// so a caller can accumulate over chunks or zero them per chunk.
struct AptRangingOutputs {
  std::span<double> mass_to_charge{};     // one per event, Da
  std::span<std::int32_t> range_index{};  // one per event: its range, or -1 when unranged
  // binning.bins(); events outside the spectrum, and those without a mass (at or before t0),
  // are skipped.
  std::span<std::uint64_t> spectrum{};
  std::span<std::uint64_t> range_counts{};  // ranges + 1: per range, then the unranged events
  std::uint64_t in_window = 0;              // events inside the background window
  std::uint64_t in_multiples = 0;           // events sharing their pulse with another hit
};

// Events must be sorted by pulse (as EventChunks are) for in_multiples to be right; the rest
// does not depend on order. voltage_v is the chunk's standing voltage (> 0). Counts are exact
// integers whatever the backend's parallelism. std::invalid_argument when an output span has
// the wrong size; std::logic_error when Kokkos is not initialised (no KokkosRuntime).
void range_events_kokkos(std::span<const wire::Event> events, double voltage_v,
                         const AptRangingTables& tables, AptRangingOutputs& out);

}  // namespace edgeloop
