#include "edgeloop/sims/sim_common_config.hpp"

#include <limits>

namespace edgeloop::sims {
namespace {

// The routing id travels in every ROUTER message; ZeroMQ limits it to 1..255 bytes and reserves
// a leading zero byte for ids it generates itself; edgeloopd accepts names of at most 64
// characters, so a longer one would never be seen as connected.
void check_name(const std::string& name, const std::string& file, const std::string& key) {
  if (name.empty() || name.size() > 64 || name.front() == '\0') {
    throw ConfigError(file, key, "must be 1 to 64 characters, got '" + name + "'");
  }
}

void check_endpoint(const std::string& endpoint, const std::string& file, const std::string& key) {
  if (endpoint.find("://") == std::string::npos) {
    throw ConfigError(file, key,
                      "'" + endpoint + "' is not a ZeroMQ endpoint (e.g. tcp://127.0.0.1:47100)");
  }
}

}  // namespace

SimCommonConfig sim_common_config_from(const ConfigTable& root, std::string default_name) {
  SimCommonConfig config;
  const std::string& file = root.source();

  const ConfigTable instrument = root.table_or_empty("instrument");
  config.name = instrument.get_string("name", std::move(default_name));
  check_name(config.name, file, instrument.dotted("name"));
  config.seed = static_cast<std::uint64_t>(
      instrument.get_int("seed", 1, 0, std::numeric_limits<std::int64_t>::max()));

  const ConfigTable endpoints = root.table_or_empty("endpoints");
  config.data_endpoint = endpoints.get_string("data", config.data_endpoint);
  check_endpoint(config.data_endpoint, file, endpoints.dotted("data"));
  config.commands_endpoint = endpoints.get_string("commands", config.commands_endpoint);
  check_endpoint(config.commands_endpoint, file, endpoints.dotted("commands"));

  const ConfigTable timing = root.table_or_empty("timing");
  config.heartbeat =
      timing.get_duration_ms("heartbeat_ms", std::chrono::milliseconds(500),
                             std::chrono::milliseconds(10), std::chrono::milliseconds(60000));

  const ConfigTable truth = root.table_or_empty("truth");
  config.truth_file = truth.get_string("file", "");

  config.faults = fault_config_from(root.table_or_empty("faults"));
  config.log = log_config_from(root.table_or_empty("logging"));
  return config;
}

void apply_overrides(SimCommonConfig& config, const SimOverrides& overrides) {
  // Overrides are checked like file values, but name the option instead of a key.
  const std::string cli = "command line";
  if (overrides.data_endpoint) {
    check_endpoint(*overrides.data_endpoint, cli, "--data");
    config.data_endpoint = *overrides.data_endpoint;
  }
  if (overrides.commands_endpoint) {
    check_endpoint(*overrides.commands_endpoint, cli, "--commands");
    config.commands_endpoint = *overrides.commands_endpoint;
  }
  if (overrides.name) {
    check_name(*overrides.name, cli, "--name");
    config.name = *overrides.name;
  }
  if (overrides.seed) {
    // As in the file: seeds are stored as signed 64-bit integers (TOML, HDF5 attributes).
    if (*overrides.seed > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      throw ConfigError(cli, "--seed", "must be at most 9223372036854775807");
    }
    config.seed = *overrides.seed;
  }
  if (overrides.truth_file) config.truth_file = *overrides.truth_file;
  for (const auto& assignment : overrides.faults) apply_fault_override(config.faults, assignment);
  if (!overrides.faults.empty()) check_fault_overrides(config.faults);
}

}  // namespace edgeloop::sims
