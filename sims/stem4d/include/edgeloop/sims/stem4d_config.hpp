// Settings of the simulated 4D-STEM instrument, read from its TOML file (see
// config/sim-4dstem.toml) and overridable from the command line.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "edgeloop/core/config_table.hpp"
#include "edgeloop/core/logging.hpp"
#include "edgeloop/core/wire.hpp"

namespace edgeloop::sims {

struct Stem4DConfig {
  std::string name = "sim-4dstem";  // also the DEALER routing id the daemon sees
  std::uint64_t seed = 1;
  std::string data_endpoint = "tcp://127.0.0.1:47100";
  std::string commands_endpoint = "tcp://127.0.0.1:47102";
  std::uint32_t detector_size = 96;
  wire::DType dtype = wire::DType::U16;
  // Hardware limits of the scan coils in grid units: positions are 0..max inclusive.
  std::uint32_t max_x = 1023;
  std::uint32_t max_y = 1023;
  double electrons_per_position = 20000.0;
  double frame_rate_hz = 0.0;  // 0: as fast as the receiver takes them
  std::chrono::milliseconds heartbeat{500};
  LogConfig log{};
};

// Command-line values that win over the file.
struct Stem4DOverrides {
  std::optional<std::string> data_endpoint;
  std::optional<std::string> commands_endpoint;
  std::optional<std::uint64_t> seed;
  std::optional<std::string> name;
};

// Reads [instrument], [endpoints], [detector], [scan], [beam], [timing] and [logging];
// ConfigError naming file and key for a bad value or a key nobody reads.
Stem4DConfig stem4d_config_from(const ConfigTable& root);
Stem4DConfig load_stem4d_config(const std::filesystem::path& file,
                                const Stem4DOverrides& overrides = {});

}  // namespace edgeloop::sims
