// `edgeloop train denoiser|classifier`: the options, the run and a summary of the figures.
#include <torch/torch.h>
#include <CLI/CLI.hpp>

#include <iostream>
#include <stdexcept>

#include "edgeloop/training/ml_training.hpp"

namespace edgeloop::ml {
namespace {

// CLI11 wants argv order with the program name first; the caller passes only the options.
int parse(CLI::App& app, const std::vector<std::string>& args) {
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? -1 : 2;  // --help: done, successfully
  }
  return 0;
}

}  // namespace

Modality modality_from_name(const std::string& name) {
  if (name == "4dstem") return Modality::Stem4D;
  if (name == "saxs") return Modality::Saxs;
  throw std::invalid_argument("modality '" + name + "' is not one of: 4dstem, saxs");
}

std::string modality_name(Modality modality) {
  return modality == Modality::Stem4D ? "4dstem" : "saxs";
}

int train_denoiser_command(const std::vector<std::string>& args) {
  CLI::App app("Train a Noise2Noise Poisson denoiser on the simulated instrument",
               "edgeloop train denoiser");
  DenoiserTraining c;
  std::string modality = "4dstem";
  bool quiet = false;
  app.add_option("--modality", modality, "4dstem | saxs")->check(CLI::IsMember({"4dstem", "saxs"}));
  app.add_option("--out", c.out, "weights file (.pt; the .json manifest goes beside it)")
      ->required();
  app.add_option("--seed", c.seed, "seed of weights, data and noise (held out: seed + 1000)");
  app.add_option("--steps", c.steps, "optimiser steps (default 2000 4dstem, 1000 saxs)")
      ->check(CLI::Range(1U, 1000000U));
  app.add_option("--batch", c.batch, "patches per step (default 8 4dstem, 2 saxs)")
      ->check(CLI::Range(1U, 1024U));
  app.add_option("--crop", c.crop, "patch side in pixels (default 48 4dstem, 256 saxs: whole)")
      ->check(CLI::Range(8U, 1024U));
  app.add_option("--lr", c.learning_rate, "Adam learning rate");
  app.add_option("--channels", c.channels, "feature maps per layer")->check(CLI::Range(1, 256));
  app.add_option("--depth", c.depth, "convolutions")->check(CLI::Range(2, 64));
  app.add_option("--threads", c.threads, "LibTorch threads (1: reproducible bit for bit)")
      ->check(CLI::Range(1U, 256U));
  app.add_option("--eval-frames", c.eval_frames,
                 "held-out frames per dose (default 24 4dstem, 12 saxs; 0: none)");
  app.add_flag("--quiet", quiet, "no progress bar");
  if (const int rc = parse(app, args); rc != 0) return rc < 0 ? 0 : rc;
  try {
    c.modality = modality_from_name(modality);
    c.progress = !quiet;
    // The shipped models' settings unless given. SAXS trains on whole (binned) frames: the
    // network scales by the frame's mean, which a patch near the beam would overstate.
    const bool stem = c.modality == Modality::Stem4D;
    if (app.count("--steps") == 0) c.steps = stem ? 2000 : 1000;
    if (app.count("--batch") == 0) c.batch = stem ? 8 : 2;
    if (app.count("--crop") == 0) c.crop = stem ? 48 : 256;
    if (app.count("--eval-frames") == 0) c.eval_frames = stem ? 24 : 12;
    const auto outcome = train_denoiser(c);
    std::cout << "saved " << c.out.string() << " (sha256 " << outcome.manifest.weights_sha256
              << ")\n"
              << outcome.manifest.metrics.dump(2) << '\n';
  } catch (const std::exception& e) {
    std::cerr << "train denoiser: " << e.what() << '\n';
    return 1;
  }
  return 0;
}

int train_classifier_command(const std::vector<std::string>& args) {
  CLI::App app("Train an MC-dropout classifier (4D-STEM phase, SAXS morphology)",
               "edgeloop train classifier");
  ClassifierTraining c;
  std::string modality = "4dstem";
  bool quiet = false;
  app.add_option("--modality", modality, "4dstem | saxs")->check(CLI::IsMember({"4dstem", "saxs"}));
  app.add_option("--out", c.out, "weights file (.pt; the .json manifest goes beside it)")
      ->required();
  app.add_option("--seed", c.seed,
                 "seed of weights and data (calibration: seed + 500, held out: seed + 1000)");
  app.add_option("--steps", c.steps, "optimiser steps (default 2000 4dstem, 1500 saxs)")
      ->check(CLI::Range(1U, 1000000U));
  app.add_option("--batch", c.batch, "frames per step")->check(CLI::Range(1U, 1024U));
  app.add_option("--lr", c.learning_rate, "Adam learning rate");
  app.add_option("--channels", c.channels, "first layer's feature maps")->check(CLI::Range(1, 256));
  app.add_option("--dropout", c.dropout, "dropout probability of the head")
      ->check(CLI::Range(0.0, 0.9));
  app.add_option("--threads", c.threads, "LibTorch threads (1: reproducible bit for bit)")
      ->check(CLI::Range(1U, 256U));
  app.add_option("--saxs-states", c.saxs_states_per_class,
                 "SAXS: sample states rendered up front per class")
      ->check(CLI::Range(1U, 100000U));
  app.add_option("--calibration-frames", c.calibration_frames, "frames for the temperature");
  app.add_option("--eval-frames", c.eval_frames, "held-out frames (0: none)");
  app.add_flag("--quiet", quiet, "no progress bar");
  if (const int rc = parse(app, args); rc != 0) return rc < 0 ? 0 : rc;
  try {
    c.modality = modality_from_name(modality);
    c.progress = !quiet;
    // The shipped models' settings unless given.
    if (app.count("--steps") == 0) c.steps = c.modality == Modality::Stem4D ? 2000 : 1500;
    if (app.count("--eval-frames") == 0) c.eval_frames = 400;
    const auto outcome = train_classifier(c);
    std::cout << "saved " << c.out.string() << " (sha256 " << outcome.manifest.weights_sha256
              << ")\n"
              << outcome.manifest.metrics.dump(2) << '\n';
  } catch (const std::exception& e) {
    std::cerr << "train classifier: " << e.what() << '\n';
    return 1;
  }
  return 0;
}

}  // namespace edgeloop::ml
