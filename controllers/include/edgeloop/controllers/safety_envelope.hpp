// The hard limits every proposed command is checked against before it leaves the daemon:
// per actuator a range, a largest step and a largest rate of change, whether it may move while
// an interlock is active, and a cumulative dose budget for the run. Controllers propose; only
// what the envelope allows is sent, and every refusal says why.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace edgeloop {

// Limits of one actuator. Bounds apply to every component of its target vector.
struct ActuatorLimits {
  std::vector<double> min{};  // per component; one value applies to all components
  std::vector<double> max{};
  std::optional<double> max_step{};        // largest |target - last| per component
  std::optional<double> max_rate_per_s{};  // largest |target - last| / elapsed seconds
  bool allowed_during_interlock = false;   // e.g. beam_blank [1] must stay possible
  double dose_per_unit = 0.0;              // dose a command costs per unit of target[0]
  double dose_per_command = 0.0;           // dose every command costs (e.g. one probe position)
};

struct EnvelopeDecision {
  bool allowed = false;
  std::string reason{};  // why it was refused ("range", "step", "rate", "interlock", "dose",
                         // "unknown_actuator", "bad_target"); empty when allowed
  std::string detail{};  // for the log and the decision record
};

// Not thread-safe: owned by the thread that sends commands.
class SafetyEnvelope {
 public:
  // `dose_budget` caps the sum of the dose of the commands allowed; nullopt: no budget.
  SafetyEnvelope(std::map<std::string, ActuatorLimits> limits, std::optional<double> dose_budget);

  // Checks a proposal at monotonic time `now_ns` without changing anything.
  EnvelopeDecision check(const std::string& actuator, const std::vector<double>& target,
                         std::int64_t now_ns) const;
  // Checks and, when allowed, records the target as the actuator's position and spends its
  // dose: the call to make for a command that is about to be sent.
  EnvelopeDecision admit(const std::string& actuator, const std::vector<double>& target,
                         std::int64_t now_ns);

  // Only the range and the shape of the target: what the watchdog's safe-state commands must
  // still pass (they must be possible during an interlock and whatever the budget says).
  EnvelopeDecision check_range(const std::string& actuator,
                               const std::vector<double>& target) const;

  // The limits of `actuator`, nullptr when it has none (and so may not move at all).
  const ActuatorLimits* limits(const std::string& actuator) const;

  // Interlock state from the instrument's status messages.
  void set_interlock(bool active) { interlock_ = active; }
  bool interlock() const { return interlock_; }
  // The instrument's readback: where the actuator really is (steps and rates are measured
  // from here, so they hold even when the daemon did not move it). `now_ns` is when it got
  // there; a readback equal to the known position keeps the earlier time. Readbacks of
  // actuators without limits, empty, longer than 16 or not finite are ignored.
  void set_position(const std::string& actuator, std::vector<double> position, std::int64_t now_ns);

  double dose_spent() const { return dose_spent_; }
  // The dose `target` would cost on `actuator` (0 for an actuator without limits).
  double dose_of(const std::string& actuator, const std::vector<double>& target) const;
  std::optional<double> dose_budget() const { return dose_budget_; }

 private:
  struct Position {
    std::vector<double> value;
    std::int64_t at_ns = 0;
  };

  std::map<std::string, ActuatorLimits> limits_;
  std::optional<double> dose_budget_;
  double dose_spent_ = 0.0;
  bool interlock_ = false;
  std::map<std::string, Position> positions_;
};

}  // namespace edgeloop
