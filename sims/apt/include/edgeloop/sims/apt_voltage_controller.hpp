// The atom probe's standing-voltage controller: it raises or lowers the voltage after every
// chunk of pulses so the detection rate stays at its target while the tip blunts.
#pragma once

#include <cstdint>

namespace edgeloop::sims {

struct AptVoltageSettings {
  double start_v = 1000.0;  // where the voltage ramp starts
  double min_v = 500.0;
  double max_v = 15000.0;    // the power supply's limit; the rate falls behind beyond it
  double max_step_v = 50.0;  // largest change per chunk: the ramp is gentle, as on an instrument
  double gain = 0.5;         // fraction of the estimated correction applied per chunk
  // Learns the steady climb the blunting tip needs, so the rate does not lag behind it.
  double integral_gain = 0.1;
};

// A proportional-integral controller on the logarithm of the rate, since evaporation is
// exponential in the voltage: for a rate growing e-fold per sensitivity·V, the voltage that
// turns `hits` into `target` is V·(1 + sensitivity·ln(target/hits)), and gain is the share of
// that correction applied per chunk. As the tip blunts the right voltage keeps rising; the
// integral term learns that climb (a proportional step alone would trail it with a lasting
// shortfall in rate). A chunk without hits says only "too low", so the voltage then climbs by
// max_step_v, and the integral is left alone (as it is while a step is clipped), so the ramp
// does not wind it up. Not thread-safe.
class AptVoltageController {
 public:
  // std::invalid_argument for limits that are not ordered or not positive.
  AptVoltageController(const AptVoltageSettings& settings, double sensitivity);

  double voltage() const { return voltage_; }
  // After a chunk: `hits` detector hits over `pulses` pulses, against a target in hits per
  // pulse (> 0).
  void update(std::uint64_t hits, std::uint64_t pulses, double target_per_pulse);

 private:
  AptVoltageSettings settings_;
  double sensitivity_;
  double voltage_;
  double drift_v_ = 0.0;  // the integral term: the learnt climb per chunk
};

}  // namespace edgeloop::sims
