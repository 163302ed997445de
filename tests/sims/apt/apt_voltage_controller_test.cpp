#include "edgeloop/sims/apt_voltage_controller.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

namespace edgeloop::sims {
namespace {

// A noise-free evaporating tip: hits per pulse exp((V/Ve - 1)/s), Ve climbing per chunk.
struct Tip {
  double ve;
  double climb_per_chunk;
  double sensitivity = 0.01;
  double rate(double v) const { return std::exp((v / ve - 1.0) / sensitivity); }
};

TEST(AptVoltageController, RampsUpWhileNothingEvaporates) {
  AptVoltageSettings s;
  s.start_v = 1000.0;
  s.max_step_v = 40.0;
  AptVoltageController c(s, 0.01);
  EXPECT_EQ(c.voltage(), 1000.0);
  c.update(0, 10000, 0.01);
  EXPECT_EQ(c.voltage(), 1040.0);
  c.update(0, 10000, 0.01);
  EXPECT_EQ(c.voltage(), 1080.0);
  // No pulses, no information.
  c.update(0, 0, 0.01);
  EXPECT_EQ(c.voltage(), 1080.0);
}

TEST(AptVoltageController, StepsAreClippedAndTheLimitsHeld) {
  AptVoltageSettings s;
  s.start_v = 1000.0;
  s.min_v = 990.0;
  s.max_v = 1010.0;
  AptVoltageController c(s, 0.01);
  c.update(1000000, 10000, 0.01);  // far too many: down, but not below min_v
  EXPECT_EQ(c.voltage(), 990.0);
  for (int i = 0; i < 5; ++i) c.update(0, 10000, 0.01);
  EXPECT_EQ(c.voltage(), 1010.0);
}

TEST(AptVoltageController, HoldsTheTargetWhileTheTipBlunts) {
  Tip tip{2000.0, 1.5};
  AptVoltageSettings s;
  s.start_v = 1700.0;
  AptVoltageController c(s, tip.sensitivity);
  const double pulses = 100000.0;
  double rate = 0.0;
  for (int chunk = 0; chunk < 200; ++chunk) {
    rate = tip.rate(c.voltage());
    c.update(static_cast<std::uint64_t>(std::llround(rate * pulses)), 100000, 0.01);
    tip.ve += tip.climb_per_chunk;
  }
  // The integral term removes the lag a climbing setpoint leaves a proportional controller.
  EXPECT_NEAR(rate, 0.01, 0.0005);
  EXPECT_GT(c.voltage(), 2000.0);
}

TEST(AptVoltageController, RejectsBadSettings) {
  AptVoltageSettings s;
  s.start_v = 100.0;  // below min_v
  EXPECT_THROW(AptVoltageController(s, 0.01), std::invalid_argument);
  s = {};
  s.gain = 0.0;
  EXPECT_THROW(AptVoltageController(s, 0.01), std::invalid_argument);
  s = {};
  s.integral_gain = 0.4;
  EXPECT_THROW(AptVoltageController(s, 0.01), std::invalid_argument);
  s = {};
  EXPECT_THROW(AptVoltageController(s, 0.0), std::invalid_argument);
}

}  // namespace
}  // namespace edgeloop::sims
