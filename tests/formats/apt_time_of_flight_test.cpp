#include "edgeloop/formats/apt_time_of_flight.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace edgeloop::formats {
namespace {

TEST(AptTimeOfFlight, KnownValue) {
  // 27Al+ through 2 kV over 100 mm: t = L·sqrt(m/(2eV)) = 0.1 m · sqrt(26.98 u / (2e · 2000 V)).
  const double t = time_of_flight_ns(26.98153853, 2000.0, 100.0, 0.0);
  EXPECT_NEAR(t, 836.5, 0.5);
  // Offsets add; heavier or slower ions take longer, as sqrt(m/V).
  EXPECT_NEAR(time_of_flight_ns(26.98153853, 2000.0, 100.0, 15.0), t + 15.0, 1e-9);
  EXPECT_NEAR(time_of_flight_ns(4 * 26.98153853, 2000.0, 100.0, 0.0), 2 * t, 1e-9);
  EXPECT_NEAR(time_of_flight_ns(26.98153853, 8000.0, 100.0, 0.0), t / 2, 1e-9);
  EXPECT_NEAR(time_of_flight_ns(26.98153853, 2000.0, 200.0, 0.0), 2 * t, 1e-9);
}

TEST(AptTimeOfFlight, MassToChargeInvertsTimeOfFlight) {
  for (const double m : {1.0, 13.49, 26.98, 62.93, 200.0}) {
    for (const double v : {800.0, 3000.0, 12000.0}) {
      const double path = flight_path_mm(100.0, 12.0, -30.0);
      const double t = time_of_flight_ns(m, v, path, 7.5);
      EXPECT_NEAR(mass_to_charge(t, v, path, 7.5), m, 1e-9 * m);
    }
  }
  EXPECT_EQ(mass_to_charge(5.0, 2000.0, 100.0, 10.0), 0.0);  // before t0
}

TEST(AptTimeOfFlight, FlightPathIncludesTheHitPosition) {
  EXPECT_EQ(flight_path_mm(100.0, 0.0, 0.0), 100.0);
  EXPECT_NEAR(flight_path_mm(100.0, 30.0, 40.0), std::sqrt(100.0 * 100.0 + 2500.0), 1e-12);
}

}  // namespace
}  // namespace edgeloop::formats
