// [safety]: the limits every command is checked against before it leaves the daemon, per
// instrument and actuator, the instrument's safe state, and the watchdog that commands it when
// the loop stalls or the instrument falls silent.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "edgeloop/controllers/safety_envelope.hpp"
#include "edgeloop/core/config_table.hpp"

namespace edgeloop {

// One command of a safe state, sent in the order configured.
struct SafeCommand {
  std::string actuator;
  std::vector<double> target;
};

// [safety.instruments."<name>"]: one instrument, by the name it reports.
struct InstrumentSafety {
  std::map<std::string, ActuatorLimits> actuators{};  // [... .actuators.<actuator>]
  std::optional<double> dose_budget{};                // per run; none: unlimited
  // The instrument counts as interlocked while its status says `interlock`, and also while its
  // state is Fault when this is set.
  bool interlock_on_fault = true;
  std::vector<SafeCommand> safe_state{};  // [... .safe_state]: actuator = [target], in order

  SafetyEnvelope envelope() const { return SafetyEnvelope(actuators, dose_budget); }
  nlohmann::json to_json() const;
};

// [safety.watchdog]
struct WatchdogConfig {
  // A running run with no progress (no command issued or resolved, no frame received or
  // processed) and no status from its instrument saying Busy for this long has stalled; 0
  // turns the check off.
  std::chrono::milliseconds stall{2000};
  // The run's instrument sent nothing (status, ack) for this long; 0 turns the check off.
  std::chrono::milliseconds instrument_silence{1500};
};

struct SafetyConfig {
  // true: start_run refuses an instrument that has no [safety.instruments."<name>"] table.
  bool require_envelope = false;
  WatchdogConfig watchdog{};
  std::map<std::string, InstrumentSafety> instruments{};

  const InstrumentSafety* find(const std::string& instrument) const {
    const auto it = instruments.find(instrument);
    return it == instruments.end() ? nullptr : &it->second;
  }
};

// Reads [safety] from the daemon's config; throws ConfigError naming file and key.
SafetyConfig load_safety_config(const ConfigTable& safety);

}  // namespace edgeloop
