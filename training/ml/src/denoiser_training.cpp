// Noise2Noise training of the Poisson denoisers on the simulated instruments.
#include <torch/torch.h>

#include <chrono>
#include <optional>
#include <random>
#include <stdexcept>

#include "edgeloop/core/progress_bar.hpp"
#include "edgeloop/pipeline/ml/networks.hpp"
#include "edgeloop/training/ml_training.hpp"
#include "simulated_sources.hpp"
#include "training_support.hpp"

namespace edgeloop::ml {
namespace {

// Training doses: log-uniform over a wide range around the evaluated ones, so one network
// serves any dwell time or exposure.
constexpr double kStemMinElectrons = 200.0;
constexpr double kStemMaxElectrons = 50000.0;
constexpr double kSaxsMinExposure = 0.02;
constexpr double kSaxsMaxExposure = 10.0;
// SAXS states rendered up front (at 1 s; an exposure scales a frame), sampled per step.
constexpr std::size_t kSaxsBank = 48;

// Pairs of independent Poisson draws of the same expected patch, [B, 1, crop, crop] each.
class PairSampler {
 public:
  PairSampler(const DenoiserTraining& config, std::uint64_t data_seed)
      : config_(config), rng_(data_seed), noise_(make_generator(data_seed ^ 0x5eedULL)) {
    if (config.modality == Modality::Stem4D) {
      stem_.emplace(data_seed);
      if (config.crop > stem_->size()) throw std::invalid_argument("crop larger than the frame");
    } else {
      saxs_.emplace(data_seed, 4);
      if (config.crop > std::min(saxs_->rows(), saxs_->cols())) {
        throw std::invalid_argument("crop larger than the frame");
      }
      std::vector<double> frame(saxs_->pixel_count());
      for (std::size_t i = 0; i < kSaxsBank; ++i) {
        const auto s = saxs_->state_of(-1, rng_);
        saxs_->expected(s[0], s[1], s[2], 1.0, frame);
        bank_.push_back(
            torch::tensor(frame, torch::kFloat).view({saxs_->rows(), saxs_->cols()}).clone());
      }
      auto inv = torch::empty({saxs_->rows(), saxs_->cols()}, torch::kFloat);
      for (std::size_t i = 0; i < saxs_->pixel_count(); ++i) {
        inv.view({-1})[static_cast<std::int64_t>(i)] = saxs_->invalid()[i] != 0 ? 0.0F : 1.0F;
      }
      valid_ = inv;
    }
  }

  // expected, first draw, second draw, valid mask.
  std::array<torch::Tensor, 4> next() {
    const auto b = static_cast<std::int64_t>(config_.batch);
    const auto crop = static_cast<std::int64_t>(config_.crop);
    auto expected = torch::empty({b, 1, crop, crop});
    auto valid = torch::ones({b, 1, crop, crop});
    if (stem_) {
      const std::uint32_t size = stem_->size();
      std::vector<double> frame(stem_->pixel_count());
      std::uniform_real_distribution<double> pos(0.0, StemSource::kField - 1.0);
      std::uniform_int_distribution<std::int64_t> offset(0, size - config_.crop);
      for (std::int64_t i = 0; i < b; ++i) {
        const double electrons = log_uniform(rng_, kStemMinElectrons, kStemMaxElectrons);
        stem_->expected(pos(rng_), pos(rng_), electrons, frame);
        const auto full = torch::tensor(frame, torch::kFloat).view({size, size});
        const auto r = offset(rng_);
        const auto c = offset(rng_);
        expected[i][0] = full.slice(0, r, r + crop).slice(1, c, c + crop);
      }
    } else {
      std::uniform_int_distribution<std::size_t> pick(0, bank_.size() - 1);
      const auto rows = static_cast<std::int64_t>(saxs_->rows());
      const auto cols = static_cast<std::int64_t>(saxs_->cols());
      std::uniform_int_distribution<std::int64_t> row(0, rows - crop);
      std::uniform_int_distribution<std::int64_t> col(0, cols - crop);
      // Half the patches hold the beam centre's surroundings, where most counts are.
      std::uniform_int_distribution<std::int64_t> near(-crop / 2, crop / 2);
      const std::int64_t centre_r =
          static_cast<std::int64_t>(0.55 * static_cast<double>(rows)) - crop / 2;
      const std::int64_t centre_c =
          static_cast<std::int64_t>(0.48 * static_cast<double>(cols)) - crop / 2;
      for (std::int64_t i = 0; i < b; ++i) {
        const double exposure = log_uniform(rng_, kSaxsMinExposure, kSaxsMaxExposure);
        const auto& base = bank_[pick(rng_)];
        std::int64_t r = row(rng_);
        std::int64_t c = col(rng_);
        if (i % 2 == 0) {
          r = std::clamp<std::int64_t>(centre_r + near(rng_), 0, rows - crop);
          c = std::clamp<std::int64_t>(centre_c + near(rng_), 0, cols - crop);
        }
        expected[i][0] = base.slice(0, r, r + crop).slice(1, c, c + crop) * exposure;
        valid[i][0] = valid_.slice(0, r, r + crop).slice(1, c, c + crop);
      }
    }
    auto first = poisson(expected, noise_) * valid;
    auto second = poisson(expected, noise_) * valid;
    return {expected * valid, first, second, valid};
  }

 private:
  DenoiserTraining config_;
  std::mt19937_64 rng_;
  torch::Generator noise_;
  std::optional<StemSource> stem_;
  std::optional<SaxsSource> saxs_;
  std::vector<torch::Tensor> bank_;
  torch::Tensor valid_;
};

// Poisson deviance of the estimate against the second draw, per frame normalised by the
// first draw's mean (weights that do not depend on the target keep the minimiser the
// conditional mean) and averaged: 0 for a perfect fit of the draw, its gradient that of the
// Poisson likelihood.
torch::Tensor noise2noise_loss(const torch::Tensor& estimate, const torch::Tensor& target,
                               const torch::Tensor& input, const torch::Tensor& valid) {
  // y log(y / lambda), with 0 log 0 = 0; written so no gradient passes through log(0).
  const auto y_log_ratio =
      target * (torch::log(torch::clamp_min(target, 1e-12)) - torch::log(estimate));
  const auto deviance = 2.0 * (y_log_ratio - (target - estimate)) * valid;
  const auto weight = 1.0 / (input.mean({1, 2, 3}) + 1.0);
  return (deviance.mean({1, 2, 3}) * weight).mean();
}

}  // namespace

TrainingOutcome train_denoiser(const DenoiserTraining& config) {
  if (config.steps == 0 || config.batch == 0 || config.crop < 8) {
    throw std::invalid_argument("train_denoiser: steps, batch and crop (>= 8) must be positive");
  }
  torch::set_num_threads(static_cast<int>(std::max<std::uint32_t>(config.threads, 1)));
  torch::manual_seed(config.seed);
  DenoiserShape shape;
  shape.channels = config.channels;
  shape.depth = config.depth;
  DenoiserNet net(shape);
  torch::optim::Adam optimiser(net->parameters(), torch::optim::AdamOptions(config.learning_rate));
  PairSampler sampler(config, config.seed);

  TrainingOutcome outcome;
  const auto started = std::chrono::steady_clock::now();
  std::optional<ProgressBar> bar;
  if (config.progress) bar.emplace("denoiser " + modality_name(config.modality), config.steps);
  double smoothed = 0.0;
  for (std::uint32_t step = 0; step < config.steps; ++step) {
    // Cosine decay to a tenth: settles the weights without a tuned schedule.
    const double progress = static_cast<double>(step) / static_cast<double>(config.steps);
    const double lr = config.learning_rate * (0.55 + 0.45 * std::cos(progress * 3.14159265358979));
    for (auto& group : optimiser.param_groups()) {
      static_cast<torch::optim::AdamOptions&>(group.options()).lr(lr);
    }
    const auto [expected, first, second, valid] = sampler.next();
    const auto estimate = net->forward(first);
    const auto loss = noise2noise_loss(estimate, second, first, valid);
    optimiser.zero_grad();
    loss.backward();
    optimiser.step();
    const double value = loss.item<double>();
    outcome.losses.push_back(value);
    smoothed = step == 0 ? value : 0.95 * smoothed + 0.05 * value;
    if (bar) bar->update(step + 1, "loss " + std::to_string(smoothed));
  }
  if (bar) bar->finish("loss " + std::to_string(smoothed));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  outcome.weights_sha256 = parameters_sha256(*net);
  ModelManifest& m = outcome.manifest;
  m.kind = "denoiser";
  m.architecture = kDenoiserArchitecture;
  m.architecture_params = shape.to_json();
  m.architecture_params["modality"] = modality_name(config.modality);
  m.architecture_params["input"] =
      config.modality == Modality::Stem4D
          ? "4D-STEM diffraction frames, counts at full resolution"
          : "SAXS frames summed over 4 x 4 pixel blocks (stage parameter bin = 4)";
  m.architecture_params["bin"] = config.modality == Modality::Stem4D ? 1 : 4;
  m.training = {
      {"method", "noise2noise, Poisson deviance, independent draws of one expectation"},
      {"simulator", config.modality == Modality::Stem4D
                        ? "sims/stem4d PhaseObjectModel, 96 px, 300 kV, 2 mrad"
                        : "sims/saxs default instrument, 1024^2 binned 4 x 4"},
      {"dose_range", config.modality == Modality::Stem4D
                         ? nlohmann::json{{"electrons", {kStemMinElectrons, kStemMaxElectrons}}}
                         : nlohmann::json{{"exposure_s", {kSaxsMinExposure, kSaxsMaxExposure}}}},
      {"steps", config.steps},
      {"batch", config.batch},
      {"crop", config.crop},
      {"optimiser", "adam"},
      {"learning_rate", config.learning_rate},
      {"schedule", "cosine to 0.1"},
      {"threads", config.threads},
      {"seed", config.seed},
      {"final_loss_smoothed", smoothed},
      {"seconds", seconds}};
  m.data_seed = config.seed;
  if (!config.out.empty()) {
    m = save_model(*net, config.out, m);
    if (config.eval_frames > 0) {
      m.metrics =
          evaluate_denoiser(config.out, config.modality, config.seed + 1000, config.eval_frames);
      m = save_model(*net, config.out, m);
    }
  }
  return outcome;
}

}  // namespace edgeloop::ml
