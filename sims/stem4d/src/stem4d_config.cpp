#include "edgeloop/sims/stem4d_config.hpp"

#include "edgeloop/core/dtype.hpp"

namespace edgeloop::sims {

Stem4DConfig stem4d_config_from(const ConfigTable& root) {
  Stem4DConfig config;
  config.common = sim_common_config_from(root, config.common.name);
  const std::string& file = root.source();

  const ConfigTable detector = root.table_or_empty("detector");
  const std::int64_t size = detector.get_int("size", 96, 1, 4096);
  if (size != 96 && size != 128 && size != 256) {
    throw ConfigError(file, detector.dotted("size"),
                      "must be 96, 128 or 256, got " + std::to_string(size));
  }
  config.detector_size = static_cast<std::uint32_t>(size);
  config.dtype = dtype_from_name(detector.get_choice("dtype", "u16", {"u8", "u16", "u32"}));
  config.psf_sigma_px = detector.get_double("psf_sigma_px", 0.0, 0.0, 8.0);

  const ConfigTable scan = root.table_or_empty("scan");
  // The ground-truth maps hold every grid position (15 bytes each): 4096 x 4096 is 250 MB.
  constexpr std::int64_t kMaxGrid = 4095;
  config.max_x = static_cast<std::uint32_t>(scan.get_int("max_x", 1023, 1, kMaxGrid));
  config.max_y = static_cast<std::uint32_t>(scan.get_int("max_y", 1023, 1, kMaxGrid));
  config.min_dwell_us = scan.get_double("min_dwell_us", 1.0, 0.01, 1e6);
  config.max_dwell_us = scan.get_double("max_dwell_us", 100000.0, config.min_dwell_us, 1e7);
  config.dwell_us = scan.get_double("dwell_us", 1000.0, config.min_dwell_us, config.max_dwell_us);

  const ConfigTable beam = root.table_or_empty("beam");
  config.beam_current_pa = beam.get_double("current_pa", 3.2, 0.0, 1e4);
  // Above about 1e7 electrons per position a frame takes seconds to render and the simulator
  // stops being live.
  constexpr double kElectronCharge = 1.602176634e-19;
  const double most_electrons =
      config.beam_current_pa * 1e-12 * config.max_dwell_us * 1e-6 / kElectronCharge;
  if (most_electrons > 1e7) {
    throw ConfigError(file, beam.dotted("current_pa"),
                      "with scan.max_dwell_us this allows " + std::to_string(most_electrons) +
                          " electrons per position; keep it at most 1e7");
  }

  const ConfigTable optics = root.table_or_empty("optics");
  const std::string model =
      optics.get_choice("model", "phase-object", {"phase-object", "kinematic"});
  config.model = model == "kinematic" ? PatternModelKind::Kinematic : PatternModelKind::PhaseObject;
  config.beam_energy_kv = optics.get_double("beam_energy_kv", 300.0, 20.0, 1000.0);
  config.convergence_mrad = optics.get_double("convergence_mrad", 2.0, 0.1, 100.0);
  config.max_defocus_nm = optics.get_double("max_defocus_nm", 2000.0, 0.0, 1e5);
  config.defocus_nm =
      optics.get_double("defocus_nm", 0.0, -config.max_defocus_nm, config.max_defocus_nm);

  const ConfigTable timing = root.table_or_empty("timing");
  config.realtime = timing.get_bool("realtime", false);

  root.reject_unknown_keys();
  return config;
}

Stem4DConfig load_stem4d_config(const std::filesystem::path& file, const SimOverrides& overrides) {
  Stem4DConfig config = stem4d_config_from(ConfigTable::load_file(file));
  apply_overrides(config.common, overrides);
  return config;
}

}  // namespace edgeloop::sims
