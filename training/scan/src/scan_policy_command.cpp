// `edgeloop train scan-policy`: the options, the run and a summary of the figures.
#include <CLI/CLI.hpp>

#include <iostream>
#include <stdexcept>

#include "edgeloop/training/scan_policy_training.hpp"

namespace edgeloop {

int train_scan_policy_command(const std::vector<std::string>& args) {
  ScanTrainingConfig c;
  CLI::App app("Train the adaptive 4D-STEM scan policy (imitation warm start, then PPO)",
               "scan-policy");
  std::string out = c.out.string();
  app.add_option("--out", out, "model file; its manifest goes beside it (.json)")
      ->capture_default_str();
  app.add_option("--seed", c.seed, "initialisation, episode and action seed")
      ->capture_default_str();
  app.add_option("--data-seed", c.data_seed, "which simulated specimens train")
      ->capture_default_str();
  app.add_option("--imitation-updates", c.imitation_updates, "warm-start updates")
      ->check(CLI::Range(0, 100000))
      ->capture_default_str();
  app.add_option("--updates", c.updates, "PPO updates")
      ->check(CLI::Range(0, 100000))
      ->capture_default_str();
  app.add_option("--threads", c.threads, "LibTorch threads (results are reproducible per count)")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  app.add_option("--envs", c.envs, "episodes per update")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  app.add_option("--train-specimens", c.train_specimens, "simulated training specimens")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  app.add_option("--validation-specimens", c.validation_specimens,
                 "specimens choosing the checkpoint")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  app.add_option("--width", c.width, "feature maps per layer")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  app.add_option("--grid", c.truth.nx, "probe grid side")
      ->check(CLI::Range(8U, 256U))
      ->capture_default_str();
  app.add_flag(
      "--quiet", [&](std::int64_t) { c.progress = false; }, "no progress bar");
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  c.out = out;
  c.truth.ny = c.truth.nx;
  try {
    const auto m = train_scan_policy(c);
    std::cout << "wrote " << c.out.string() << " (sha256 " << m.weights_sha256 << ")\n"
              << "validation normalised RMSE at "
              << m.metrics.value("validation_fraction", 0.0) * 100.0 << " % of positions: learned "
              << m.metrics.value("validation_nrmse_learned", 0.0) << ", raster-subsampled "
              << m.metrics.value("validation_nrmse_raster_subsampled", 0.0) << ", random "
              << m.metrics.value("validation_nrmse_random", 0.0) << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "edgeloop train scan-policy: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace edgeloop
