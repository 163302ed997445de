// Settings every simulated instrument shares (identity, endpoints, heartbeat, logging, faults,
// ground truth), read from the common tables of its TOML file.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "edgeloop/core/config_table.hpp"
#include "edgeloop/core/logging.hpp"
#include "edgeloop/sims/fault_config.hpp"

namespace edgeloop::sims {

struct SimCommonConfig {
  std::string name;  // also the DEALER routing id the daemon sees
  std::uint64_t seed = 1;
  std::string data_endpoint = "tcp://127.0.0.1:47100";
  std::string commands_endpoint = "tcp://127.0.0.1:47102";
  std::chrono::milliseconds heartbeat{500};
  // Ground truth is written here at start-up; empty writes none.
  std::filesystem::path truth_file{};
  LogConfig log{};
  FaultConfig faults{};
};

// Command-line values that win over the file.
struct SimOverrides {
  std::optional<std::string> data_endpoint;
  std::optional<std::string> commands_endpoint;
  std::optional<std::uint64_t> seed;
  std::optional<std::string> name;
  std::optional<std::filesystem::path> truth_file;
  std::vector<std::string> faults;  // "key=value" each
};

// Reads [instrument] name and seed, [endpoints], [timing] heartbeat_ms, [truth] file,
// [faults] and [logging]. The caller reads its modality's keys from the same root and then
// calls root.reject_unknown_keys().
SimCommonConfig sim_common_config_from(const ConfigTable& root, std::string default_name);

// Applies overrides with the same checks as the file; ConfigError naming the option.
void apply_overrides(SimCommonConfig& config, const SimOverrides& overrides);

}  // namespace edgeloop::sims
