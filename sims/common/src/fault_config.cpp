#include "edgeloop/sims/fault_config.hpp"

#include <string>

#include "edgeloop/core/config_error.hpp"
#include "edgeloop/core/config_table.hpp"

namespace edgeloop::sims {
namespace {

constexpr double kMaxProbability = 1.0;
constexpr std::int64_t kMaxEvery = std::int64_t{1} << 40;
constexpr std::chrono::milliseconds kMaxPause{600000};

// Keys absent from `table` keep their value from `fallback`.
FaultConfig read_faults(const ConfigTable& table, const FaultConfig& fallback) {
  using std::chrono::milliseconds;
  FaultConfig c;
  c.drop = table.get_double("drop", fallback.drop, 0.0, kMaxProbability);
  c.duplicate = table.get_double("duplicate", fallback.duplicate, 0.0, kMaxProbability);
  c.corrupt = table.get_double("corrupt", fallback.corrupt, 0.0, kMaxProbability);
  c.drop_ack = table.get_double("drop_ack", fallback.drop_ack, 0.0, kMaxProbability);
  c.stall_every = static_cast<std::uint64_t>(
      table.get_int("stall_every", static_cast<std::int64_t>(fallback.stall_every), 0, kMaxEvery));
  c.stall = table.get_duration_ms("stall_ms", fallback.stall, milliseconds(0), kMaxPause);
  c.disconnect_every = static_cast<std::uint64_t>(table.get_int(
      "disconnect_every", static_cast<std::int64_t>(fallback.disconnect_every), 0, kMaxEvery));
  c.reconnect_after = table.get_duration_ms("reconnect_after_ms", fallback.reconnect_after,
                                            milliseconds(0), kMaxPause);
  c.ack_delay =
      table.get_duration_ms("ack_delay_ms", fallback.ack_delay, milliseconds(0), kMaxPause);
  return c;
}

// A stall or disconnect of zero length would be no fault at all: surely a forgotten key.
void check_pairs(const FaultConfig& c, const std::string& source, const std::string& stall_key,
                 const std::string& reconnect_key) {
  if (c.stall_every > 0 && c.stall.count() == 0) {
    throw ConfigError(source, stall_key, "must be > 0 when stall_every is set");
  }
  if (c.disconnect_every > 0 && c.reconnect_after.count() == 0) {
    throw ConfigError(source, reconnect_key, "must be > 0 when disconnect_every is set");
  }
}

}  // namespace

FaultConfig fault_config_from(const ConfigTable& faults) {
  FaultConfig config = read_faults(faults, FaultConfig{});
  check_pairs(config, faults.source(), faults.dotted("stall_ms"),
              faults.dotted("reconnect_after_ms"));
  return config;
}

void apply_fault_override(FaultConfig& config, std::string_view assignment) {
  const auto equals = assignment.find('=');
  if (equals == std::string_view::npos || equals == 0) {
    throw ConfigError("command line", "--fault",
                      "expected key=value (e.g. drop=0.01), got '" + std::string(assignment) + "'");
  }
  // Parsed as a one-line [faults] table, so the command line gets the file's checks and
  // did-you-mean hints for a misspelt key.
  const std::string text = "[faults]\n" + std::string(assignment.substr(0, equals)) + " = " +
                           std::string(assignment.substr(equals + 1)) + "\n";
  const ConfigTable root = ConfigTable::parse(text, "--fault " + std::string(assignment));
  FaultConfig merged = read_faults(root.table_or_empty("faults"), config);
  root.reject_unknown_keys();
  config = merged;
}

void check_fault_overrides(const FaultConfig& config) {
  check_pairs(config, "command line", "--fault stall_ms", "--fault reconnect_after_ms");
}

}  // namespace edgeloop::sims
