// Settings of the simulated 4D-STEM instrument, read from its TOML file (see
// config/sim-4dstem.toml) and overridable from the command line.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "edgeloop/core/config_table.hpp"
#include "edgeloop/core/wire.hpp"
#include "edgeloop/sims/sim_common_config.hpp"

namespace edgeloop::sims {

enum class PatternModelKind { PhaseObject, Kinematic };

struct Stem4DConfig {
  SimCommonConfig common{.name = "sim-4dstem"};
  std::uint32_t detector_size = 96;
  wire::DType dtype = wire::DType::U16;
  // Hardware limits of the scan coils in grid units: positions are 0..max inclusive.
  std::uint32_t max_x = 1023;
  std::uint32_t max_y = 1023;
  // Pattern formation: wave-optical phase object (default) or the fast kinematic sketch.
  PatternModelKind model = PatternModelKind::PhaseObject;
  double beam_energy_kv = 300.0;
  double convergence_mrad = 2.0;
  double psf_sigma_px = 0.0;  // detector point-spread function; 0 = ideal detector
  // Dose per position = beam current x dwell time / e.
  double beam_current_pa = 3.2;
  double dwell_us = 1000.0;  // at start-up; the `dwell` actuator changes it
  double min_dwell_us = 1.0;
  double max_dwell_us = 100000.0;
  double defocus_nm = 0.0;  // at start-up; the `defocus` actuator changes it
  double max_defocus_nm = 2000.0;
  // true: each frame takes its dwell time in real time; false: as fast as the receiver takes them.
  bool realtime = false;
};

// Reads the common tables and [detector], [scan], [beam], [optics] and [timing] realtime;
// ConfigError naming file and key for a bad value or a key nobody reads.
Stem4DConfig stem4d_config_from(const ConfigTable& root);
Stem4DConfig load_stem4d_config(const std::filesystem::path& file,
                                const SimOverrides& overrides = {});

}  // namespace edgeloop::sims
