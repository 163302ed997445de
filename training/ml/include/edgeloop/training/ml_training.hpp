// Training and held-out evaluation of the denoisers and classifiers: Noise2Noise on pairs of
// independent Poisson draws of the simulators' expected patterns, and MC-dropout classifiers on
// phase and morphology labels from the simulated specimens. `edgeloop train` calls the two
// commands; tests and benchmarks call the functions below them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "edgeloop/pipeline/ml/model_file.hpp"

namespace edgeloop::ml {

// `edgeloop train denoiser --modality 4dstem|saxs --out models/denoiser-4dstem.pt ...` and
// `edgeloop train classifier ...`: parse their options with CLI11 (--help lists them), train
// with a progress bar, save the model with held-out metrics in its manifest. Return the exit
// status (0 ok, 1 failure, 2 bad options).
int train_denoiser_command(const std::vector<std::string>& args);
int train_classifier_command(const std::vector<std::string>& args);

enum class Modality { Stem4D, Saxs };
Modality modality_from_name(const std::string& name);  // "4dstem" | "saxs"; invalid_argument
std::string modality_name(Modality modality);

struct DenoiserTraining {
  Modality modality = Modality::Stem4D;
  std::filesystem::path out;  // .pt; empty: do not save
  std::uint64_t seed = 1;     // weights, data and noise; evaluation uses seed + 1000
  std::uint32_t steps = 1500;
  std::uint32_t batch = 8;
  std::uint32_t crop = 48;  // training patches of crop^2 pixels
  double learning_rate = 2e-3;
  std::int64_t channels = 16;
  std::int64_t depth = 5;
  std::uint32_t threads = 1;
  std::uint32_t eval_frames = 24;  // per dose; 0: no evaluation
  bool progress = true;
};

struct ClassifierTraining {
  Modality modality = Modality::Stem4D;
  std::filesystem::path out;
  std::uint64_t seed = 1;
  std::uint32_t steps = 1500;
  std::uint32_t batch = 16;
  double learning_rate = 2e-3;
  std::int64_t channels = 8;
  double dropout = 0.2;
  std::uint32_t threads = 1;
  std::uint32_t saxs_states_per_class = 160;  // SAXS: states rendered up front per class
  std::uint32_t calibration_frames = 256;     // for the temperature, seed + 500
  std::uint32_t eval_frames = 300;            // held out, seed + 1000; 0: none
  bool progress = true;
};

struct TrainingOutcome {
  ModelManifest manifest;      // as saved (weights hash included) or as it would be
  std::vector<double> losses;  // per step
  std::string weights_sha256;  // of the trained weights, saved or not
};

TrainingOutcome train_denoiser(const DenoiserTraining& config);
TrainingOutcome train_classifier(const ClassifierTraining& config);

// Held-out figures of a saved model, measured by running the pipeline stages ("denoise",
// "classify") on frames the simulators render with `seed` (never a training seed).
// Denoisers, per dose: PSNR (dB, against the noise-free expected frame: 10 log10(max(E)^2 /
// mean((D - E)^2)), averaged over frames) of the raw counts, of the best Gaussian filter (sigma
// picked on these very frames, a generous baseline) and of the CNN.
// Classifiers: accuracy, ECE (15 bins), mean entropy and mutual information, and for 4D-STEM
// the mean entropy at grain boundaries vs. grain interiors.
nlohmann::json evaluate_denoiser(const std::filesystem::path& model, Modality modality,
                                 std::uint64_t seed, std::uint32_t frames_per_dose);
// SAXS frames are rendered binned saxs_bin x saxs_bin (8: as trained, fast; 1: the detector's
// full 1024^2 frames, which the network pools to the same 128^2).
nlohmann::json evaluate_classifier(const std::filesystem::path& model, Modality modality,
                                   std::uint64_t seed, std::uint32_t frames,
                                   std::uint32_t mc_samples = 16, std::uint32_t saxs_bin = 8);

}  // namespace edgeloop::ml
