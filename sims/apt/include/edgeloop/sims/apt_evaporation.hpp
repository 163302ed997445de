// Field evaporation pulse by pulse and what the detector records of it: ions leaving the apex
// at a voltage-set rate, in bursts and charge states, landing with a position and a flight time.
#pragma once

#include <cstdint>
#include <vector>

#include "edgeloop/sims/apt_detector.hpp"
#include "edgeloop/sims/apt_evaporation_sequence.hpp"
#include "edgeloop/sims/apt_specimen.hpp"
#include "edgeloop/sims/random.hpp"

namespace edgeloop::sims {

struct AptEvaporationSettings {
  // The voltage at which the apex field reaches the evaporation field, V_e = F·k_f·R, rises
  // with the cap radius R as the tip blunts. Defaults: aluminium (19 V/nm) and a typical k_f.
  double evaporation_field_v_per_nm = 19.0;
  double field_factor = 3.3;
  // Ions leaving the field of view per pulse: exp((V/V_e - 1) / voltage_sensitivity), so the
  // rate grows e-fold for every 1% (the default) rise of the voltage: steep, as thermally
  // activated evaporation is.
  double voltage_sensitivity = 0.01;
  // After each ion of a burst another one leaves on the same pulse with this probability
  // (correlated evaporation): multiple hits far more often than independent ions would give.
  double correlated_probability = 0.15;
  // Share of each element's ions that leave doubly charged (post-field ionisation); elements
  // not listed leave singly charged.
  std::vector<AptElementFraction> doubly_charged{{"Mg", 0.60}, {"Al", 0.10}, {"Cu", 0.40}};
  // Late arrivals of laser pulsing (the tip cools slowly): this share of the ions is delayed by
  // an exponential time of this mean, giving each peak its tail on the heavy side.
  double thermal_tail_fraction = 0.1;
  double thermal_tail_ns = 1.0;
  // Uniform background (field-evaporated hydrogen, dark counts): hits per pulse over the whole
  // detector and time window.
  double background_per_pulse = 1e-4;
};

// One recorded hit: what the detector reports, plus the truth behind it.
struct AptHit {
  static constexpr std::uint8_t kBackground = 255;

  std::uint64_t pulse = 0;
  float det_x = 0.0F;  // mm
  float det_y = 0.0F;
  float tof_ns = 0.0F;
  std::uint32_t rank = 1;  // 1-based order of arrival among the hits of its pulse
  // Truth: where the atom sat in the specimen (nm) and what it was; element is kBackground for
  // a background hit, whose position is zero.
  float x = 0.0F;
  float y = 0.0F;
  float depth = 0.0F;
  std::uint8_t element = kBackground;  // index into AptSpecimen::elements()
  std::uint8_t isotope = 0;
  std::uint8_t charge = 0;
};

// What became of the ions of a run of pulses.
struct AptPulseStats {
  std::uint64_t evaporated = 0;  // left the field of view
  std::uint64_t recorded = 0;    // ions recorded (background excluded)
  std::uint64_t undetected = 0;  // lost to the detection efficiency
  std::uint64_t missed = 0;      // landed outside the detector
  std::uint64_t late = 0;        // arrived after the time window
  std::uint64_t background = 0;
};

// Owns the evaporation sequence and its random stream; the specimen and detector must outlive
// it. Not thread-safe.
class AptEvaporation {
 public:
  // std::invalid_argument naming the setting for a value out of range.
  AptEvaporation(const AptSpecimen& specimen, const AptDetector& detector,
                 AptEvaporationSettings settings, std::uint64_t seed);

  const AptEvaporationSettings& settings() const { return settings_; }
  // V_e at the current apex.
  double evaporation_voltage() const;
  // Expected ions leaving the field of view per pulse at this voltage and the current apex
  // (capped at 10: beyond that the tip would fracture, not evaporate).
  double ions_per_pulse(double voltage_v) const;
  // Probability that an ion of element (index into the specimen's elements) is doubly charged.
  double doubly_charged(std::size_t element) const { return doubly_charged_.at(element); }

  // Evaporates over pulses [first_pulse, first_pulse + pulses) at a standing voltage and
  // appends the recorded hits to out, sorted by pulse then time of flight, ranks set.
  AptPulseStats run(std::uint64_t first_pulse, std::uint64_t pulses, double voltage_v,
                    std::vector<AptHit>& out);

  bool exhausted() const { return sequence_.exhausted(); }
  double apex_depth() const { return sequence_.apex_depth(); }
  // Truth so far, per element of the specimen: atoms evaporated from the simulated core; those
  // whose ions landed on the detector (the analysed volume, before the detection efficiency);
  // and the ions recorded.
  const std::vector<std::uint64_t>& evaporated_per_element() const { return evaporated_; }
  const std::vector<std::uint64_t>& in_view_per_element() const { return in_view_; }
  const std::vector<std::uint64_t>& recorded_per_element() const { return recorded_; }

 private:
  void evaporate_ion(std::uint64_t pulse, double voltage_v, AptPulseStats& stats,
                     std::vector<AptHit>& out);
  void add_background(std::uint64_t first_pulse, std::uint64_t pulses, AptPulseStats& stats,
                      std::vector<AptHit>& out);

  const AptSpecimen* specimen_;
  const AptDetector* detector_;
  AptEvaporationSettings settings_;
  AptEvaporationSequence sequence_;
  Xoshiro256 rng_;
  std::vector<double> doubly_charged_;
  std::vector<std::uint64_t> evaporated_;
  std::vector<std::uint64_t> in_view_;
  std::vector<std::uint64_t> recorded_;
};

}  // namespace edgeloop::sims
