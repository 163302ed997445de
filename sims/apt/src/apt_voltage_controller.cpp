#include "edgeloop/sims/apt_voltage_controller.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace edgeloop::sims {

AptVoltageController::AptVoltageController(const AptVoltageSettings& settings, double sensitivity)
    : settings_(settings), sensitivity_(sensitivity), voltage_(settings.start_v) {
  const auto& s = settings_;
  if (!(s.min_v > 0.0 && s.min_v <= s.start_v && s.start_v <= s.max_v && std::isfinite(s.max_v))) {
    throw std::invalid_argument("AptVoltageController: need 0 < min_v <= start_v <= max_v, got " +
                                std::to_string(s.min_v) + ", " + std::to_string(s.start_v) + ", " +
                                std::to_string(s.max_v));
  }
  if (!(s.max_step_v > 0.0 && std::isfinite(s.max_step_v))) {
    throw std::invalid_argument("AptVoltageController: max_step_v must be positive");
  }
  if (!(s.gain > 0.0 && s.gain <= 1.0)) {
    throw std::invalid_argument("AptVoltageController: gain must be in (0, 1]");
  }
  // Beyond a quarter of the proportional gain the loop rings before it settles.
  if (!(s.integral_gain >= 0.0 && s.integral_gain <= 0.25 * s.gain)) {
    throw std::invalid_argument("AptVoltageController: integral_gain must be in [0, gain / 4]");
  }
  if (!(sensitivity > 0.0 && std::isfinite(sensitivity))) {
    throw std::invalid_argument("AptVoltageController: sensitivity must be positive");
  }
}

void AptVoltageController::update(std::uint64_t hits, std::uint64_t pulses,
                                  double target_per_pulse) {
  if (pulses == 0 || !(target_per_pulse > 0.0)) return;
  double step = settings_.max_step_v;
  if (hits > 0) {
    const double expected = target_per_pulse * static_cast<double>(pulses);
    // The voltage change that would give the target, by the model.
    const double correction =
        sensitivity_ * voltage_ * std::log(expected / static_cast<double>(hits));
    step = settings_.gain * correction + drift_v_;
    if (std::abs(step) < settings_.max_step_v) drift_v_ += settings_.integral_gain * correction;
  }
  step = std::clamp(step, -settings_.max_step_v, settings_.max_step_v);
  voltage_ = std::clamp(voltage_ + step, settings_.min_v, settings_.max_v);
}

}  // namespace edgeloop::sims
