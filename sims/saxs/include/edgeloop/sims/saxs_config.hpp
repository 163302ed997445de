// Settings of the simulated SAXS instrument, read from its TOML file (see config/sim-saxs.toml)
// and overridable from the command line.
#pragma once

#include <cstdint>
#include <filesystem>

#include "edgeloop/core/config_table.hpp"
#include "edgeloop/formats/poni_geometry.hpp"
#include "edgeloop/sims/saxs_detector.hpp"
#include "edgeloop/sims/saxs_sample.hpp"
#include "edgeloop/sims/sim_common_config.hpp"

namespace edgeloop::sims {

struct SaxsBeamSettings {
  double flux_photons_per_s = 1e11;   // incident on the sample
  double polarization_factor = 0.99;  // pyFAI's: 1 fully polarised horizontally (synchrotron)
};

// The actuators' initial state and limits besides the stage's.
struct SaxsAcquisitionSettings {
  double start_x_mm = 0.0;
  double start_y_mm = 0.0;
  double start_temperature_c = 25.0;
  double exposure_s = 1.0;
  double max_exposure_s = 60.0;
  std::uint32_t max_frames = 1000;  // per acquire command
  bool shutter_open = true;
  // Whether frames are paced by their exposure time (a real detector) or sent as fast as they
  // are rendered and taken (tests, benchmarks).
  bool realtime = false;
};

// The geometry a detector gets when the file gives none: 2 m, 0.1 nm (12.4 keV), no tilt,
// the beam at row 0.55·rows and column 0.48·cols, inside a module of the default layout and
// away from the image centre as on most SAXS set-ups.
formats::PoniParameters default_saxs_geometry(const SaxsDetectorSettings& detector);

struct SaxsConfig {
  SimCommonConfig common{.name = "sim-saxs"};
  SaxsDetectorSettings detector{};
  // Shape and pixel pitch always equal the detector's.
  formats::PoniParameters geometry = default_saxs_geometry(SaxsDetectorSettings{});
  SaxsStageLimits stage{};
  SaxsSampleSettings sample{};
  SaxsBeamSettings beam{};
  SaxsAcquisitionSettings acquisition{};
};

// Reads the common tables (sim_common_config_from, default name "sim-saxs"), then [detector],
// [beamstop], [geometry], [beam], [stage], [temperature], [sample], [acquisition] and
// [timing] realtime, then rejects unknown keys. ConfigError naming file and key for a bad value.
// A relative geometry.poni_file is resolved against the TOML file's folder.
SaxsConfig saxs_config_from(const ConfigTable& root);
// Loads the file and applies the command-line overrides to the common settings.
SaxsConfig load_saxs_config(const std::filesystem::path& file, const SimOverrides& overrides = {});

}  // namespace edgeloop::sims
