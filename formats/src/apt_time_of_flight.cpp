#include "edgeloop/formats/apt_time_of_flight.hpp"

#include <cmath>

namespace edgeloop::formats {
namespace {

constexpr double kElementaryCharge = 1.602176634e-19;  // C, exact (SI 2019)
constexpr double kAtomicMassUnit = 1.66053906660e-27;  // kg (CODATA 2018)
// t[ns] = path[mm] · ns_per_mm() · sqrt(m[Da] / V[V]): 1e-3 m/mm · 1e9 ns/s · sqrt(u / 2e).
// The compiler folds it to a constant.
double ns_per_mm() {
  return 1e6 * std::sqrt(kAtomicMassUnit / (2.0 * kElementaryCharge));
}

}  // namespace

double flight_path_mm(double flight_length_mm, double det_x_mm, double det_y_mm) {
  return std::sqrt(flight_length_mm * flight_length_mm + det_x_mm * det_x_mm + det_y_mm * det_y_mm);
}

double time_of_flight_ns(double mass_to_charge, double voltage_v, double path_mm, double t0_ns) {
  return path_mm * ns_per_mm() * std::sqrt(mass_to_charge / voltage_v) + t0_ns;
}

double mass_to_charge(double tof_ns, double voltage_v, double path_mm, double t0_ns) {
  if (!(tof_ns > t0_ns)) return 0.0;
  const double flight = (tof_ns - t0_ns) / (path_mm * ns_per_mm());
  return voltage_v * flight * flight;
}

}  // namespace edgeloop::formats
