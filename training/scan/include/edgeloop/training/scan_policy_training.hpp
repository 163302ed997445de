// `edgeloop train scan-policy`: trains the learned adaptive-scan policy (controllers/scan) on
// virtual images of simulated 4D-STEM specimens, imitation warm start then PPO, and writes the
// model file with its manifest.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "edgeloop/pipeline/ml/model_file.hpp"
#include "edgeloop/training/scan_ground_truth.hpp"

namespace edgeloop {

struct ScanTrainingConfig {
  std::filesystem::path out = "models/scan-policy.pt";
  std::uint64_t seed = 1;       // network initialisation, episode draws, action sampling
  std::uint64_t data_seed = 1;  // which simulated specimens train
  int imitation_updates = 260;  // warm start: cross-entropy to the one-step oracle (DAgger)
  int updates = 10;             // PPO updates after it
  int threads = 1;
  int envs = 8;  // episodes per update, run in lockstep
  int train_specimens = 128;
  int validation_specimens = 12;
  ScanTruthSettings truth{};
  double horizon_fraction = 0.3;  // an episode measures this share of the positions
  double eval_fraction = 0.2;     // the validation figure (and checkpoint choice) is at this dose
  std::int64_t width = 8;
  double imitation_lr = 2e-3;
  double ppo_lr = 1e-4;
  double gamma = 0.98;
  double gae_lambda = 0.95;
  double clip = 0.2;
  double entropy = 0.003;
  double value_coef = 0.5;
  double reward_scale = 0.1;  // keeps the critic's targets near 1 so it does not swamp the actor
  int epochs = 2;
  double train_share = 0.25;  // of an update's steps used for its gradient steps
  int minibatch = 128;
  double teacher_temperature = 0.1;  // of the oracle's soft target, relative to its best gain
  bool progress = true;
};

enum class ScanSpecimenSet { Train, Validation, HeldOut };
// Specimen seeds: training ones depend on the data seed; validation and held-out ones are
// fixed and disjoint from every training set (held-out: bench/scan only, never for choices).
std::uint64_t scan_specimen_seed(ScanSpecimenSet set, std::uint64_t data_seed, std::size_t i);

// Trains, saves config.out (+ manifest) and returns the manifest as written.
ml::ModelManifest train_scan_policy(const ScanTrainingConfig& config);

// Parses the options (CLI11; --help lists them), trains and prints a summary. Exit status.
int train_scan_policy_command(const std::vector<std::string>& args);

}  // namespace edgeloop
