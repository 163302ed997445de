#include "edgeloop/controllers/safety_envelope.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace edgeloop {

namespace {

EnvelopeDecision refuse(std::string reason, std::string detail) {
  return {false, std::move(reason), std::move(detail)};
}

double bound(const std::vector<double>& values, std::size_t i) {
  return values.size() == 1 ? values.front() : values.at(i);
}

}  // namespace

SafetyEnvelope::SafetyEnvelope(std::map<std::string, ActuatorLimits> limits,
                               std::optional<double> dose_budget)
    : limits_(std::move(limits)), dose_budget_(dose_budget) {
  for (const auto& [name, l] : limits_) {
    if (l.min.empty() || l.min.size() != l.max.size()) {
      throw std::invalid_argument("actuator '" + name + "': min and max need the same length");
    }
    for (std::size_t i = 0; i < l.min.size(); ++i) {
      if (!std::isfinite(l.min[i]) || !std::isfinite(l.max[i]) || l.min[i] > l.max[i]) {
        throw std::invalid_argument("actuator '" + name + "': min must be <= max, both finite");
      }
    }
    if ((l.max_step && !(*l.max_step > 0.0)) || (l.max_rate_per_s && !(*l.max_rate_per_s > 0.0)) ||
        !(l.dose_per_unit >= 0.0) || !(l.dose_per_command >= 0.0)) {
      throw std::invalid_argument(
          "actuator '" + name +
          "': max_step and max_rate must be > 0, dose_per_unit and dose_per_command >= 0");
    }
  }
  if (dose_budget_ && !(*dose_budget_ >= 0.0)) {
    throw std::invalid_argument("the dose budget must be >= 0");
  }
}

EnvelopeDecision SafetyEnvelope::check_range(const std::string& actuator,
                                             const std::vector<double>& target) const {
  const auto found = limits_.find(actuator);
  if (found == limits_.end()) {
    return refuse("unknown_actuator", "no limits configured for '" + actuator + "'");
  }
  const ActuatorLimits& l = found->second;
  if (target.empty() || (l.min.size() != 1 && target.size() != l.min.size())) {
    return refuse("bad_target", "'" + actuator + "' takes " + std::to_string(l.min.size()) +
                                    " value(s), got " + std::to_string(target.size()));
  }
  for (std::size_t i = 0; i < target.size(); ++i) {
    if (!std::isfinite(target[i])) return refuse("bad_target", "target is not finite");
    if (target[i] < bound(l.min, i) || target[i] > bound(l.max, i)) {
      return refuse("range", actuator + "[" + std::to_string(i) +
                                 "] = " + std::to_string(target[i]) + " outside [" +
                                 std::to_string(bound(l.min, i)) + ", " +
                                 std::to_string(bound(l.max, i)) + "]");
    }
  }
  return {true, {}, {}};
}

const ActuatorLimits* SafetyEnvelope::limits(const std::string& actuator) const {
  const auto found = limits_.find(actuator);
  return found == limits_.end() ? nullptr : &found->second;
}

double SafetyEnvelope::dose_of(const std::string& actuator,
                               const std::vector<double>& target) const {
  const ActuatorLimits* l = limits(actuator);
  if (l == nullptr || target.empty()) return 0.0;
  return l->dose_per_command + l->dose_per_unit * std::abs(target.front());
}

EnvelopeDecision SafetyEnvelope::check(const std::string& actuator,
                                       const std::vector<double>& target,
                                       std::int64_t now_ns) const {
  EnvelopeDecision shape = check_range(actuator, target);
  if (!shape.allowed) return shape;
  const ActuatorLimits& l = limits_.at(actuator);
  if (interlock_ && !l.allowed_during_interlock) {
    return refuse("interlock", "'" + actuator + "' may not move while an interlock is active");
  }
  const auto position = positions_.find(actuator);
  if (position != positions_.end() && (l.max_step || l.max_rate_per_s)) {
    // Fail closed: a known position that cannot be compared with the target would otherwise
    // turn the step and rate limits off.
    if (position->second.value.size() != target.size()) {
      return refuse("step", actuator + ": the known position has " +
                                std::to_string(position->second.value.size()) +
                                " values, the target " + std::to_string(target.size()));
    }
    const double seconds = static_cast<double>(now_ns - position->second.at_ns) * 1e-9;
    for (std::size_t i = 0; i < target.size(); ++i) {
      const double step = std::abs(target[i] - position->second.value[i]);
      if (l.max_step && !(step <= *l.max_step)) {
        return refuse("step", actuator + "[" + std::to_string(i) + "] step " +
                                  std::to_string(step) + " exceeds " + std::to_string(*l.max_step));
      }
      // A step is allowed only once enough time has passed for it at the largest rate.
      if (l.max_rate_per_s && step > 0.0 && !(step <= *l.max_rate_per_s * seconds)) {
        return refuse("rate", actuator + "[" + std::to_string(i) + "] would move " +
                                  std::to_string(step) + " in " + std::to_string(seconds) +
                                  " s, faster than " + std::to_string(*l.max_rate_per_s) + "/s");
      }
    }
  }
  const double dose = dose_of(actuator, target);
  if (dose_budget_ && dose > 0.0 && dose_spent_ + dose > *dose_budget_) {
    return refuse("dose", "dose " + std::to_string(dose) + " would exceed the budget (" +
                              std::to_string(dose_spent_) + " of " + std::to_string(*dose_budget_) +
                              " spent)");
  }
  return {true, {}, {}};
}

EnvelopeDecision SafetyEnvelope::admit(const std::string& actuator,
                                       const std::vector<double>& target, std::int64_t now_ns) {
  EnvelopeDecision decision = check(actuator, target, now_ns);
  if (!decision.allowed) return decision;
  positions_[actuator] = {target, now_ns};
  dose_spent_ += dose_of(actuator, target);
  return decision;
}

void SafetyEnvelope::set_position(const std::string& actuator, std::vector<double> position,
                                  std::int64_t now_ns) {
  // Only finite readbacks of actuators the envelope limits, in the shape its targets have,
  // are positions: anything else from the instrument is ignored (and must not grow the map).
  const ActuatorLimits* l = limits(actuator);
  if (l == nullptr || position.empty() || position.size() > 16 ||
      !std::all_of(position.begin(), position.end(), [](double v) { return std::isfinite(v); })) {
    return;
  }
  // The time is that of the last change: a readback that repeats the known position (every
  // heartbeat does) must not restart the clock the rate limit measures from.
  auto it = positions_.find(actuator);
  if (it != positions_.end() && it->second.value == position) return;
  positions_[actuator] = {std::move(position), now_ns};
}

}  // namespace edgeloop
