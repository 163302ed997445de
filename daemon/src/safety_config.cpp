#include "edgeloop/daemon/safety_config.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace edgeloop {

namespace {

using std::chrono::milliseconds;
constexpr double kHuge = std::numeric_limits<double>::max();

// A bound is one number (every component) or an array (one per component).
std::vector<double> bound(const ConfigTable& t, std::string_view key) {
  if (!t.has(key)) {
    throw ConfigError(t.source(), t.dotted(key), "is required (a number or an array of numbers)");
  }
  std::vector<double> values;
  try {
    values = t.get_double_array(key, {});
  } catch (const ConfigError&) {
    values = {t.get_double(key, 0.0, -kHuge, kHuge)};
  }
  if (values.empty() || values.size() > 16) {
    throw ConfigError(t.source(), t.dotted(key), "must hold 1..16 numbers");
  }
  for (const double v : values) {
    if (!std::isfinite(v)) throw ConfigError(t.source(), t.dotted(key), "must be finite");
  }
  return values;
}

ActuatorLimits load_limits(const ConfigTable& t) {
  ActuatorLimits l;
  l.min = bound(t, "min");
  l.max = bound(t, "max");
  if (l.min.size() != l.max.size()) {
    if (l.min.size() == 1) l.min.assign(l.max.size(), l.min.front());
    if (l.max.size() == 1) l.max.assign(l.min.size(), l.max.front());
    if (l.min.size() != l.max.size()) {
      throw ConfigError(t.source(), t.dotted("max"), "must have as many values as min");
    }
  }
  for (std::size_t i = 0; i < l.min.size(); ++i) {
    if (l.min[i] > l.max[i]) throw ConfigError(t.source(), t.dotted("max"), "is below min");
  }
  if (t.has("max_step")) l.max_step = t.get_double("max_step", 0.0, 1e-300, kHuge);
  if (t.has("max_rate_per_s"))
    l.max_rate_per_s = t.get_double("max_rate_per_s", 0.0, 1e-300, kHuge);
  l.allowed_during_interlock = t.get_bool("during_interlock", false);
  l.dose_per_unit = t.get_double("dose_per_unit", 0.0, 0.0, kHuge);
  l.dose_per_command = t.get_double("dose_per_command", 0.0, 0.0, kHuge);
  return l;
}

InstrumentSafety load_instrument(const ConfigTable& t) {
  InstrumentSafety s;
  const ConfigTable actuators = t.table_or_empty("actuators");
  for (const std::string& name : actuators.keys()) {
    if (name.empty() || name.size() > 64) {
      throw ConfigError(t.source(), actuators.dotted(name), "actuator names are 1..64 characters");
    }
    const auto table = actuators.table(name);
    if (!table) throw ConfigError(t.source(), actuators.dotted(name), "must be a table");
    s.actuators[name] = load_limits(*table);
  }
  if (s.actuators.empty()) {
    throw ConfigError(t.source(), t.dotted("actuators"),
                      "is required: an instrument's envelope lists the actuators it may move");
  }
  if (t.has("dose_budget")) s.dose_budget = t.get_double("dose_budget", 0.0, 0.0, kHuge);
  s.interlock_on_fault = t.get_bool("interlock_on_fault", true);
  const ConfigTable safe = t.table_or_empty("safe_state");
  const SafetyEnvelope envelope = s.envelope();
  for (const std::string& actuator : safe.keys()) {
    SafeCommand c{actuator, bound(safe, actuator)};
    // A safe state the envelope refuses would be refused when it matters most: say so now.
    const EnvelopeDecision d = envelope.check_range(c.actuator, c.target);
    if (!d.allowed) {
      throw ConfigError(
          t.source(), safe.dotted(actuator),
          "is outside this instrument's envelope (" + d.reason + ": " + d.detail + ")");
    }
    s.safe_state.push_back(std::move(c));
  }
  return s;
}

nlohmann::json limits_json(const ActuatorLimits& l) {
  nlohmann::json j = {{"min", l.min},
                      {"max", l.max},
                      {"during_interlock", l.allowed_during_interlock},
                      {"dose_per_unit", l.dose_per_unit},
                      {"dose_per_command", l.dose_per_command}};
  j["max_step"] = l.max_step ? nlohmann::json(*l.max_step) : nlohmann::json(nullptr);
  j["max_rate_per_s"] =
      l.max_rate_per_s ? nlohmann::json(*l.max_rate_per_s) : nlohmann::json(nullptr);
  return j;
}

}  // namespace

nlohmann::json InstrumentSafety::to_json() const {
  nlohmann::json a = nlohmann::json::object();
  for (const auto& [name, l] : actuators) a[name] = limits_json(l);
  nlohmann::json safe = nlohmann::json::array();
  for (const SafeCommand& c : safe_state)
    safe.push_back({{"actuator", c.actuator}, {"target", c.target}});
  return {{"actuators", a},
          {"dose_budget", dose_budget ? nlohmann::json(*dose_budget) : nlohmann::json(nullptr)},
          {"interlock_on_fault", interlock_on_fault},
          {"safe_state", safe}};
}

SafetyConfig load_safety_config(const ConfigTable& t) {
  SafetyConfig c;
  c.require_envelope = t.get_bool("require_envelope", false);
  const ConfigTable watchdog = t.table_or_empty("watchdog");
  c.watchdog.stall = watchdog.get_duration_ms("stall_ms", milliseconds(2000), milliseconds(0),
                                              milliseconds(3600000));
  c.watchdog.instrument_silence = watchdog.get_duration_ms(
      "instrument_silence_ms", milliseconds(1500), milliseconds(0), milliseconds(3600000));
  const ConfigTable instruments = t.table_or_empty("instruments");
  for (const std::string& name : instruments.keys()) {
    if (name.empty() || name.size() > 64) {
      throw ConfigError(t.source(), instruments.dotted(name),
                        "instrument names are 1..64 characters");
    }
    const auto table = instruments.table(name);
    if (!table) throw ConfigError(t.source(), instruments.dotted(name), "must be a table");
    c.instruments[name] = load_instrument(*table);
  }
  return c;
}

}  // namespace edgeloop
