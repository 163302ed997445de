// Settings of the simulated atom probe, read from its TOML file (see config/sim-apt.toml) and
// overridable from the command line.
#pragma once

#include <cstdint>
#include <filesystem>

#include "edgeloop/core/config_table.hpp"
#include "edgeloop/sims/apt_detector.hpp"
#include "edgeloop/sims/apt_evaporation.hpp"
#include "edgeloop/sims/apt_specimen.hpp"
#include "edgeloop/sims/apt_voltage_controller.hpp"
#include "edgeloop/sims/sim_common_config.hpp"

namespace edgeloop::sims {

struct AptConfig {
  SimCommonConfig common{};  // apt_config_from names the instrument "sim-apt" by default
  AptSpecimenSettings specimen{};
  AptDetectorSettings detector{};
  AptEvaporationSettings evaporation{};
  AptVoltageSettings voltage{};
  // The pulse_rate actuator: value at start-up and hardware limits (Hz).
  double pulse_rate_hz = 200e3;
  double min_pulse_rate_hz = 1e3;
  double max_pulse_rate_hz = 1e6;
  std::uint64_t pulses_per_chunk = 10000;  // pulses covered by one EventChunk, 1..1000000
  // The detection_rate actuator: target detector hits per pulse at start-up, and its limit.
  double detection_rate = 0.005;
  double max_detection_rate = 0.05;
  // true: a chunk takes pulses_per_chunk / pulse_rate, as on the instrument; false: chunks go
  // out as fast as the receiver takes them.
  bool realtime = true;
  // Events come from this .epos file instead of the specimen (empty: simulate).
  std::filesystem::path replay_file{};
  // Every emitted event is appended to this .epos file (empty: none).
  std::filesystem::path record_file{};
  // The range file of the specimen's ions is written here at start-up (empty: none).
  std::filesystem::path ranges_file{};
};

// Reads the common tables (sim_common_config_from), then [specimen] (with [specimen.matrix],
// [specimen.clusters], [specimen.clusters.composition]), [detector], [evaporation] (with
// [evaporation.doubly_charged]), [background], [pulsing], [control], [timing] realtime and
// [files], then rejects unknown keys. ConfigError naming file and key for a bad value.
AptConfig apt_config_from(const ConfigTable& root);
// load_file, apt_config_from, then apply_overrides.
AptConfig load_apt_config(const std::filesystem::path& file, const SimOverrides& overrides = {});

}  // namespace edgeloop::sims
