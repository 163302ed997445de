#include "edgeloop/sims/stem4d_config.hpp"

#include "edgeloop/core/dtype.hpp"

#include <limits>
#include <stdexcept>

namespace edgeloop::sims {
namespace {

// The routing id travels in every ROUTER message; ZeroMQ limits it to 1..255 bytes and
// reserves a leading zero byte for ids it generates itself; edgeloopd accepts names of at
// most 64 characters, so a longer one would never be seen as connected.
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

Stem4DConfig stem4d_config_from(const ConfigTable& root) {
  Stem4DConfig config;
  const std::string& file = root.source();

  const ConfigTable instrument = root.table_or_empty("instrument");
  config.name = instrument.get_string("name", config.name);
  check_name(config.name, file, instrument.dotted("name"));
  config.seed = static_cast<std::uint64_t>(
      instrument.get_int("seed", 1, 0, std::numeric_limits<std::int64_t>::max()));

  const ConfigTable endpoints = root.table_or_empty("endpoints");
  config.data_endpoint = endpoints.get_string("data", config.data_endpoint);
  check_endpoint(config.data_endpoint, file, endpoints.dotted("data"));
  config.commands_endpoint = endpoints.get_string("commands", config.commands_endpoint);
  check_endpoint(config.commands_endpoint, file, endpoints.dotted("commands"));

  const ConfigTable detector = root.table_or_empty("detector");
  const std::int64_t size = detector.get_int("size", 96, 1, 4096);
  if (size != 96 && size != 128 && size != 256) {
    throw ConfigError(file, detector.dotted("size"),
                      "must be 96, 128 or 256, got " + std::to_string(size));
  }
  config.detector_size = static_cast<std::uint32_t>(size);
  const std::string dtype = detector.get_choice("dtype", "u16", {"u8", "u16", "u32"});
  config.dtype = dtype_from_name(dtype);

  const ConfigTable scan = root.table_or_empty("scan");
  config.max_x = static_cast<std::uint32_t>(scan.get_int("max_x", 1023, 1, 1 << 20));
  config.max_y = static_cast<std::uint32_t>(scan.get_int("max_y", 1023, 1, 1 << 20));

  const ConfigTable beam = root.table_or_empty("beam");
  // Above 1e7 electrons a frame takes seconds to render and the simulator stops being live.
  config.electrons_per_position = beam.get_double("electrons_per_position", 20000.0, 0.0, 1e7);

  const ConfigTable timing = root.table_or_empty("timing");
  config.frame_rate_hz = timing.get_double("frame_rate_hz", 0.0, 0.0, 1e6);
  if (config.frame_rate_hz != 0.0 && config.frame_rate_hz < 1e-3) {
    // A period longer than about 11 days overflows the nanosecond clock arithmetic.
    throw ConfigError(file, timing.dotted("frame_rate_hz"),
                      "must be 0 (unpaced) or at least 0.001 Hz");
  }
  config.heartbeat =
      timing.get_duration_ms("heartbeat_ms", std::chrono::milliseconds(500),
                             std::chrono::milliseconds(10), std::chrono::milliseconds(60000));

  config.log = log_config_from(root.table_or_empty("logging"));
  root.reject_unknown_keys();
  return config;
}

Stem4DConfig load_stem4d_config(const std::filesystem::path& file,
                                const Stem4DOverrides& overrides) {
  Stem4DConfig config = stem4d_config_from(ConfigTable::load_file(file));
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
  if (overrides.seed) config.seed = *overrides.seed;
  return config;
}

}  // namespace edgeloop::sims
