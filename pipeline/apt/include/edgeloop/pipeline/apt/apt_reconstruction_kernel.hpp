// The per-chunk work of reconstruction, on Kokkos: a scan of the ions' volumes gives the apex
// depth at each ion, and the point projection places each hit in the specimen.
#pragma once

#include <edgeloop/wire/event_chunk_generated.h>

#include <cstdint>
#include <span>

#include "edgeloop/pipeline/apt/point_projection.hpp"

namespace edgeloop {

// One chunk: each event's range (-1 unranged, as range_events_kokkos gives it) and the volume
// an ion of each range adds (ranges + 1 values, the unranged last; 0 adds none). The tip
// radius comes from voltage_v (> 0). Event i is placed with the apex at apex_depth_nm plus
// the depth the events before it removed, so the first ion of a run sits at the surface;
// apex_depth_nm is advanced by the whole chunk. xyz receives x, y, depth (nm) per event, 3 values
// each. std::invalid_argument for mismatched spans or a voltage that is not positive;
// std::logic_error when Kokkos is not initialised.
void reconstruct_events_kokkos(std::span<const wire::Event> events,
                               std::span<const std::int32_t> range_index,
                               std::span<const double> ion_volume_nm3,
                               const PointProjection& projection, double voltage_v,
                               double& apex_depth_nm, std::span<double> xyz);

}  // namespace edgeloop
