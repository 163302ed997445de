// The straight-flight geometry an APT event's mass-to-charge is computed from: flight length
// and timing offset, applied through formats' conversion so the data plane and the simulator agree.
#pragma once

#include <edgeloop/wire/event_chunk_generated.h>

#include "edgeloop/formats/apt_time_of_flight.hpp"

namespace edgeloop {

struct AptFlightGeometry {
  // Tip to detector centre along the axis (mm); each hit's own path is the hypotenuse through
  // its detector position. Default: config/sim-apt.toml's detector.flight_length_mm.
  double flight_length_mm = 100.0;
  // Subtracted from every time of flight (detector.t0_ns).
  double t0_ns = 0.0;

  // Da per elementary charge of one hit at the chunk's standing voltage; 0 for a hit at or
  // before t0 (formats::mass_to_charge).
  double mass_to_charge(const wire::Event& event, double voltage_v) const {
    return formats::mass_to_charge(event.tof_ns(), voltage_v,
                                   formats::flight_path_mm(flight_length_mm, event.x(), event.y()),
                                   t0_ns);
  }
};

}  // namespace edgeloop
