// Training of the MC-dropout classifiers (4D-STEM phase, SAXS morphology) and the temperature
// that calibrates their probabilities.
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

constexpr double kStemMinElectrons = 2000.0;
constexpr double kStemMaxElectrons = 50000.0;
constexpr double kSaxsMinExposure = 0.1;
constexpr double kSaxsMaxExposure = 10.0;
constexpr std::uint32_t kSaxsBin = 8;

// Labelled noisy frames, classes drawn uniformly.
class LabelledSampler {
 public:
  LabelledSampler(Modality modality, std::uint64_t data_seed, std::uint32_t states_per_class)
      : rng_(data_seed), noise_(make_generator(data_seed ^ 0xc1a55ULL)) {
    if (modality == Modality::Stem4D) {
      stem_.emplace(data_seed);
      classes_ = StemSource::kClasses;
    } else {
      saxs_.emplace(data_seed, kSaxsBin);
      classes_ = SaxsSource::kClasses;
      std::vector<double> frame(saxs_->pixel_count());
      for (int label = 0; label < 2; ++label) {
        for (std::uint32_t i = 0; i < states_per_class; ++i) {
          const auto s = saxs_->state_of(label, rng_);
          saxs_->expected(s[0], s[1], s[2], 1.0, frame);
          bank_[static_cast<std::size_t>(label)].push_back(
              torch::tensor(frame, torch::kFloat).view({saxs_->rows(), saxs_->cols()}).clone());
        }
      }
      valid_ = torch::ones({saxs_->rows(), saxs_->cols()});
      for (std::size_t i = 0; i < saxs_->pixel_count(); ++i) {
        if (saxs_->invalid()[i] != 0) valid_.view({-1})[static_cast<std::int64_t>(i)] = 0.0F;
      }
    }
  }

  std::int64_t classes() const { return classes_; }

  std::pair<torch::Tensor, torch::Tensor> next(std::uint32_t batch) {
    const auto b = static_cast<std::int64_t>(batch);
    std::uniform_int_distribution<int> pick_class(0, static_cast<int>(classes_) - 1);
    torch::Tensor expected;
    auto labels = torch::empty({b}, torch::kLong);
    if (stem_) {
      const auto size = static_cast<std::int64_t>(stem_->size());
      expected = torch::empty({b, 1, size, size});
      std::vector<double> frame(stem_->pixel_count());
      for (std::int64_t i = 0; i < b; ++i) {
        const int label = pick_class(rng_);
        const auto xy = stem_->position_of(label, rng_);
        stem_->expected(xy[0], xy[1], log_uniform(rng_, kStemMinElectrons, kStemMaxElectrons),
                        frame);
        expected[i][0] = torch::tensor(frame, torch::kFloat).view({size, size});
        labels[i] = stem_->label(xy[0], xy[1]);
      }
    } else {
      expected = torch::empty({b, 1, saxs_->rows(), saxs_->cols()});
      for (std::int64_t i = 0; i < b; ++i) {
        const auto label = static_cast<std::size_t>(pick_class(rng_));
        std::uniform_int_distribution<std::size_t> pick(0, bank_[label].size() - 1);
        expected[i][0] =
            bank_[label][pick(rng_)] * log_uniform(rng_, kSaxsMinExposure, kSaxsMaxExposure);
        labels[i] = static_cast<std::int64_t>(label);
      }
    }
    auto counts = poisson(expected, noise_);
    if (saxs_) counts = counts * valid_;
    return {counts, labels};
  }

 private:
  std::mt19937_64 rng_;
  torch::Generator noise_;
  std::int64_t classes_ = 0;
  std::optional<StemSource> stem_;
  std::optional<SaxsSource> saxs_;
  std::array<std::vector<torch::Tensor>, 2> bank_;
  torch::Tensor valid_;
};

// Temperature minimising the negative log-likelihood of the MC-averaged probabilities on
// frames the network has not seen (a grid search: one parameter, a smooth curve).
double fit_temperature(ClassifierNet& net, LabelledSampler& sampler, std::uint32_t frames,
                       std::uint64_t seed) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> embeddings;
  std::vector<torch::Tensor> labels;
  for (std::uint32_t done = 0; done < frames; done += 32) {
    auto [x, y] = sampler.next(std::min<std::uint32_t>(32, frames - done));
    embeddings.push_back(net->embed(x));
    labels.push_back(y);
  }
  const auto e = torch::cat(embeddings);
  const auto y = torch::cat(labels);
  constexpr int kSamples = 16;
  auto generator = make_generator(seed);
  std::vector<torch::Tensor> logits;
  for (int s = 0; s < kSamples; ++s) logits.push_back(net->head(e, generator));
  const auto l = torch::stack(logits);  // [S, N, C]
  double best_t = 1.0;
  double best_nll = std::numeric_limits<double>::infinity();
  for (double t = 0.3; t <= 5.0; t += 0.02) {
    const auto p = torch::softmax(l / t, 2).mean(0);
    const double nll =
        -torch::log(p.gather(1, y.unsqueeze(1)).clamp_min(1e-12)).mean().item<double>();
    if (nll < best_nll) {
      best_nll = nll;
      best_t = t;
    }
  }
  return best_t;
}

}  // namespace

TrainingOutcome train_classifier(const ClassifierTraining& config) {
  if (config.steps == 0 || config.batch == 0) {
    throw std::invalid_argument("train_classifier: steps and batch must be positive");
  }
  torch::set_num_threads(static_cast<int>(std::max<std::uint32_t>(config.threads, 1)));
  torch::manual_seed(config.seed);
  LabelledSampler sampler(config.modality, config.seed, config.saxs_states_per_class);
  ClassifierShape shape;
  shape.classes = sampler.classes();
  shape.channels = config.channels;
  shape.dropout = config.dropout;
  shape.pool_size = config.modality == Modality::Stem4D ? 48 : 128;
  ClassifierNet net(shape);
  torch::optim::Adam optimiser(net->parameters(), torch::optim::AdamOptions(config.learning_rate));
  auto dropout = make_generator(config.seed ^ 0xd40bULL);

  TrainingOutcome outcome;
  const auto started = std::chrono::steady_clock::now();
  std::optional<ProgressBar> bar;
  if (config.progress) {
    bar.emplace("classifier " + modality_name(config.modality), config.steps);
  }
  double smoothed = 0.0;
  for (std::uint32_t step = 0; step < config.steps; ++step) {
    const double progress = static_cast<double>(step) / static_cast<double>(config.steps);
    const double lr = config.learning_rate * (0.55 + 0.45 * std::cos(progress * 3.14159265358979));
    for (auto& group : optimiser.param_groups()) {
      static_cast<torch::optim::AdamOptions&>(group.options()).lr(lr);
    }
    const auto [x, y] = sampler.next(config.batch);
    const auto loss = torch::cross_entropy_loss(net->forward(x, dropout), y);
    optimiser.zero_grad();
    loss.backward();
    optimiser.step();
    const double value = loss.item<double>();
    outcome.losses.push_back(value);
    smoothed = step == 0 ? value : 0.95 * smoothed + 0.05 * value;
    if (bar) bar->update(step + 1, "loss " + std::to_string(smoothed));
  }
  if (bar) bar->finish("loss " + std::to_string(smoothed));
  double temperature = 1.0;
  if (config.calibration_frames > 0) {
    LabelledSampler calibration(config.modality, config.seed + 500, config.saxs_states_per_class);
    temperature = fit_temperature(net, calibration, config.calibration_frames, config.seed + 501);
    net->set_temperature(temperature);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  outcome.weights_sha256 = parameters_sha256(*net);
  ModelManifest& m = outcome.manifest;
  m.kind = "classifier";
  m.architecture = kClassifierArchitecture;
  m.architecture_params = shape.to_json();
  m.architecture_params["modality"] = modality_name(config.modality);
  m.architecture_params["class_names"] =
      config.modality == Modality::Stem4D ? StemSource::class_names() : SaxsSource::class_names();
  m.training = {
      {"method",
       "cross-entropy, classes drawn uniformly; MC dropout in the head; temperature "
       "fitted by NLL of the MC-averaged probabilities on a calibration set"},
      {"simulator", config.modality == Modality::Stem4D
                        ? "sims/stem4d PhaseObjectModel, 96 px, 300 kV, 2 mrad, specimen 1024^2"
                        : "sims/saxs default instrument, 1024^2 binned 8 x 8"},
      {"dose_range", config.modality == Modality::Stem4D
                         ? nlohmann::json{{"electrons", {kStemMinElectrons, kStemMaxElectrons}}}
                         : nlohmann::json{{"exposure_s", {kSaxsMinExposure, kSaxsMaxExposure}}}},
      {"labels", config.modality == Modality::Stem4D
                     ? "Stem4DSpecimen::at(x, y): vacuum or phase under the probe centre"
                     : "SaxsSample::structure_at: spheres where sphere_share >= 0.5"},
      {"steps", config.steps},
      {"batch", config.batch},
      {"optimiser", "adam"},
      {"learning_rate", config.learning_rate},
      {"schedule", "cosine to 0.1"},
      {"threads", config.threads},
      {"seed", config.seed},
      {"calibration_seed", config.seed + 500},
      {"calibration_frames", config.calibration_frames},
      {"saxs_states_per_class", config.saxs_states_per_class},
      {"temperature", temperature},
      {"final_loss_smoothed", smoothed},
      {"seconds", seconds}};
  m.data_seed = config.seed;
  if (!config.out.empty()) {
    m = save_model(*net, config.out, m);
    if (config.eval_frames > 0) {
      m.metrics =
          evaluate_classifier(config.out, config.modality, config.seed + 1000, config.eval_frames);
      m = save_model(*net, config.out, m);
    }
  }
  return outcome;
}

}  // namespace edgeloop::ml
