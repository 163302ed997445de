// Time of flight of an ion in a straight-flight atom probe and its inverse, the mass-to-charge
// ratio: the conversion both the simulated instrument and any analysis of its events use.
#pragma once

namespace edgeloop::formats {

// An ion of mass m (Da) and charge n leaves the tip with the energy n·e·V it gained from the
// standing voltage V and drifts in a straight line to its hit, so
//   t = path · sqrt(m / (2·n·e·V)) + t0,   m/n = 2·e·V·(t - t0)² / path².
// The path runs from the tip to the hit point on a flat detector at distance flight_length:
// sqrt(L² + x² + y²); hits off the axis fly longer, and ignoring that would shift their masses
// by (path/L)², several percent at the detector's edge.
double flight_path_mm(double flight_length_mm, double det_x_mm, double det_y_mm);

// Nanoseconds, for mass_to_charge in Da, voltage in V (> 0) and path in mm.
double time_of_flight_ns(double mass_to_charge, double voltage_v, double path_mm, double t0_ns);

// Da; zero when tof_ns <= t0_ns (a hit before any ion can arrive, e.g. background).
double mass_to_charge(double tof_ns, double voltage_v, double path_mm, double t0_ns);

}  // namespace edgeloop::formats
