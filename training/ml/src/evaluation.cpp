// Held-out evaluation of saved models through the pipeline stages, on frames rendered from
// seeds no training run uses.
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "edgeloop/pipeline/ml/classify_stage.hpp"
#include "edgeloop/pipeline/ml/denoise_stage.hpp"
#include "edgeloop/pipeline/ml/gaussian_denoiser.hpp"
#include "edgeloop/pipeline/ml/predictive_uncertainty.hpp"
#include "edgeloop/training/ml_training.hpp"
#include "simulated_sources.hpp"
#include "training_support.hpp"

namespace edgeloop::ml {
namespace {

// A set of noisy frames with their noise-free expectations.
struct EvalSet {
  std::vector<Frame> frames;
  std::vector<std::vector<double>> expected;
  std::vector<std::uint8_t> invalid;  // shared by all frames; empty: all valid
  std::vector<std::uint8_t> masked;   // left out of the PSNR; empty: nothing
};

std::vector<const Frame*> pointers(const std::vector<Frame>& frames) {
  std::vector<const Frame*> p;
  for (const auto& f : frames) p.push_back(&f);
  return p;
}

// Runs a stage over the frames in batches of its preferred size; returns the products and
// the frames per second of the processing alone.
std::pair<std::vector<std::vector<Product>>, double> run_stage(Stage& stage,
                                                               const std::vector<Frame>& frames) {
  const auto all = pointers(frames);
  std::vector<std::vector<Product>> products;
  const std::size_t batch = std::max<std::size_t>(stage.preferred_batch(), 1);
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t begin = 0; begin < all.size(); begin += batch) {
    const std::size_t end = std::min(all.size(), begin + batch);
    std::vector<std::vector<Product>> out;
    stage.process_batch(std::span(all).subspan(begin, end - begin), out);
    for (auto& o : out) products.push_back(std::move(o));
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return {std::move(products), static_cast<double>(frames.size()) / std::max(s, 1e-9)};
}

const Product& find(const std::vector<Product>& products, const std::string& name) {
  for (const auto& p : products) {
    if (p.name == name) return p;
  }
  throw std::runtime_error("evaluation: stage produced no '" + name + "'");
}

// Anscombe transform: Poisson noise of unit variance at every level, so a SAXS frame's five
// decades of intensity all count in its PSNR, not only the few brightest pixels.
double anscombe(double x) {
  return 2.0 * std::sqrt(std::max(x, 0.0) + 0.375);
}

double psnr_in(bool stabilised, std::vector<double> estimate, std::vector<double> truth) {
  if (stabilised) {
    for (auto& v : estimate) v = anscombe(v);
    for (auto& v : truth) v = anscombe(v);
  }
  return psnr_db(estimate, truth);
}

double mean_psnr(const EvalSet& set, const std::vector<std::vector<Product>>& products,
                 bool stabilised) {
  double sum = 0.0;
  for (std::size_t f = 0; f < set.expected.size(); ++f) {
    const auto& values = find(products[f], "denoised").values;
    std::vector<double> estimate;
    std::vector<double> truth;
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (!set.masked.empty() && set.masked[i] != 0) continue;
      estimate.push_back(values[i]);
      truth.push_back(set.expected[f][i]);
    }
    sum += psnr_in(stabilised, std::move(estimate), std::move(truth));
  }
  return sum / static_cast<double>(set.expected.size());
}

double noisy_psnr(const EvalSet& set, bool stabilised) {
  double sum = 0.0;
  std::vector<float> counts;
  for (std::size_t f = 0; f < set.frames.size(); ++f) {
    const auto shape = set.frames[f].meta.shape;
    counts.resize(std::size_t{shape[0]} * shape[1]);
    std::vector<std::uint8_t> invalid(counts.size());
    const auto pixels = set.frames[f].pixels();
    std::vector<double> estimate;
    std::vector<double> truth;
    for (std::size_t i = 0; i < counts.size(); ++i) {
      if (!set.masked.empty() && set.masked[i] != 0) continue;
      double v = 0.0;
      if (set.frames[f].meta.dtype == wire::DType::U16) {
        std::uint16_t x = 0;
        std::memcpy(&x, pixels.data() + 2 * i, 2);
        v = x;
      } else {
        std::uint32_t x = 0;
        std::memcpy(&x, pixels.data() + 4 * i, 4);
        v = x;
      }
      estimate.push_back(v);
      truth.push_back(set.expected[f][i]);
    }
    sum += psnr_in(stabilised, std::move(estimate), std::move(truth));
  }
  return sum / static_cast<double>(set.frames.size());
}

EvalSet denoiser_set(Modality modality, std::uint64_t seed, std::uint32_t n, double dose) {
  EvalSet set;
  std::mt19937_64 rng(seed);
  auto noise = make_generator(seed ^ 0xe7a1ULL);
  if (modality == Modality::Stem4D) {
    const StemSource source(seed);
    std::uniform_real_distribution<double> pos(0.0, StemSource::kField - 1.0);
    for (std::uint32_t i = 0; i < n; ++i) {
      std::vector<double> e(source.pixel_count());
      source.expected(pos(rng), pos(rng), dose, e);
      const auto counts = poisson(torch::tensor(e, torch::kFloat), noise).contiguous();
      set.frames.push_back(make_frame(std::span<const float>(counts.data_ptr<float>(), e.size()),
                                      {}, source.size(), source.size(), wire::DType::U16, i));
      set.expected.push_back(std::move(e));
    }
  } else {
    const SaxsSource source(seed, 4);
    set.invalid.assign(source.invalid().begin(), source.invalid().end());
    set.masked.assign(source.masked().begin(), source.masked().end());
    for (std::uint32_t i = 0; i < n; ++i) {
      const auto s = source.state_of(-1, rng);
      std::vector<double> e(source.pixel_count());
      source.expected(s[0], s[1], s[2], dose, e);
      const auto counts = poisson(torch::tensor(e, torch::kFloat), noise).contiguous();
      set.frames.push_back(make_frame(std::span<const float>(counts.data_ptr<float>(), e.size()),
                                      set.invalid, source.rows(), source.cols(), wire::DType::U32,
                                      i));
      set.expected.push_back(std::move(e));
    }
  }
  return set;
}

}  // namespace

nlohmann::json evaluate_denoiser(const std::filesystem::path& model, Modality modality,
                                 std::uint64_t seed, std::uint32_t frames_per_dose) {
  const bool stem = modality == Modality::Stem4D;
  nlohmann::json result = {
      {"eval_seed", seed},
      {"frames_per_dose", frames_per_dose},
      {"psnr_definition",
       stem ? "10 log10(max(E)^2 / mean((D - E)^2)) in dB per frame, E the simulator's "
              "noise-free expected counts, D the estimate, over all pixels, averaged over frames"
            : "the same in Anscombe space, E and D replaced by 2 sqrt(x + 3/8) (Poisson noise of "
              "unit variance at every level, so all of the frame's five decades count), over "
              "the pixels a reduction keeps (not gaps, bad pixels or the beamstop's shadow); "
              "psnr_linear_* give the linear-count figures"},
      {"frames", stem ? "96 x 96 phase-object 4D-STEM patterns at random positions of an unseen "
                        "specimen"
                      : "SAXS frames binned 4 x 4 (256 x 256) at random stage positions and "
                        "temperatures"}};
  const std::vector<std::pair<std::string, double>> doses =
      stem ? std::vector<std::pair<std::string, double>>{{"low", 1000.0}, {"standard", 20000.0}}
           : std::vector<std::pair<std::string, double>>{{"low", 0.1}, {"standard", 1.0}};
  for (const auto& [name, dose] : doses) {
    const EvalSet set =
        denoiser_set(modality, seed + (name == "low" ? 0 : 1), frames_per_dose, dose);
    DenoiseStage cnn;
    cnn.configure({{"model", model.string()}, {"bin", 1}});
    const auto [cnn_products, cnn_fps] = run_stage(cnn, set.frames);
    const bool stabilised = !stem;
    const double psnr_cnn = mean_psnr(set, cnn_products, stabilised);
    double best_gauss = -std::numeric_limits<double>::infinity();
    double best_gauss_linear = -std::numeric_limits<double>::infinity();
    double best_sigma = 0.0;
    for (const double sigma : {0.5, 0.7, 1.0, 1.4, 2.0, 2.8}) {
      DenoiseStage gauss;
      gauss.configure({{"method", "gaussian"}, {"sigma", sigma}});
      const auto products = run_stage(gauss, set.frames).first;
      const double p = mean_psnr(set, products, stabilised);
      if (p > best_gauss) {
        best_gauss = p;
        best_sigma = sigma;
      }
      if (stabilised)
        best_gauss_linear = std::max(best_gauss_linear, mean_psnr(set, products, false));
    }
    const double psnr_noisy = noisy_psnr(set, stabilised);
    auto& d = result["doses"][name];
    d = {{stem ? "electrons" : "exposure_s", dose},
         {"psnr_noisy_db", psnr_noisy},
         {"psnr_gaussian_db", best_gauss},
         {"gaussian_sigma_px", best_sigma},
         {"psnr_cnn_db", psnr_cnn},
         {"gain_db", psnr_cnn - psnr_noisy},
         {"gain_over_gaussian_db", psnr_cnn - best_gauss},
         {"cnn_frames_per_s", cnn_fps}};
    if (stabilised) {
      d["psnr_linear_noisy_db"] = noisy_psnr(set, false);
      d["psnr_linear_gaussian_db"] = best_gauss_linear;
      d["psnr_linear_cnn_db"] = mean_psnr(set, cnn_products, false);
    }
  }
  return result;
}

nlohmann::json evaluate_classifier(const std::filesystem::path& model, Modality modality,
                                   std::uint64_t seed, std::uint32_t n, std::uint32_t mc_samples,
                                   std::uint32_t saxs_bin) {
  const bool stem = modality == Modality::Stem4D;
  std::mt19937_64 rng(seed);
  auto noise = make_generator(seed ^ 0xe7a1ULL);
  std::vector<Frame> frames;
  std::vector<int> labels;
  // Evaluation subsets: 4D-STEM boundary and interior positions; SAXS states in and outside
  // the coexistence band.
  std::vector<Frame> edge;
  std::vector<Frame> interior;
  auto noisy = [&](const std::vector<double>& e) {
    return poisson(torch::tensor(e, torch::kFloat), noise).contiguous();
  };
  std::vector<int> band;  // SAXS: 1 where 0.05 < sphere share < 0.95
  if (stem) {
    const StemSource source(seed);
    constexpr double kDose = 20000.0;
    std::vector<double> e(source.pixel_count());
    auto add = [&](std::vector<Frame>& to, std::array<double, 2> xy) {
      source.expected(xy[0], xy[1], kDose, e);
      const auto c = noisy(e);
      to.push_back(make_frame(std::span<const float>(c.data_ptr<float>(), e.size()), {},
                              source.size(), source.size(), wire::DType::U16, to.size()));
    };
    for (std::uint32_t i = 0; i < n; ++i) {
      const auto xy = source.position_of(static_cast<int>(i % StemSource::kClasses), rng);
      add(frames, xy);
      labels.push_back(source.label(xy[0], xy[1]));
    }
    for (std::uint32_t i = 0; i < std::max<std::uint32_t>(n / 3, 1); ++i) {
      add(edge, source.boundary_position(rng));
      add(interior, source.interior_position(rng));
    }
  } else {
    const SaxsSource source(seed, saxs_bin);
    std::vector<double> e(source.pixel_count());
    for (std::uint32_t i = 0; i < n; ++i) {
      const auto s = source.state_of(-1, rng);
      source.expected(s[0], s[1], s[2], 1.0, e);
      const auto c = noisy(e);
      frames.push_back(make_frame(std::span<const float>(c.data_ptr<float>(), e.size()),
                                  source.invalid(), source.rows(), source.cols(), wire::DType::U32,
                                  i));
      labels.push_back(source.label(s[0], s[1], s[2]));
      const double share = source.sphere_share(s[0], s[1], s[2]);
      band.push_back(share > 0.05 && share < 0.95 ? 1 : 0);
    }
  }
  ClassifyStage stage;
  stage.configure({{"model", model.string()}, {"mc_samples", mc_samples}});
  const auto [products, fps] = run_stage(stage, frames);
  std::vector<double> confidence;
  std::vector<std::uint8_t> correct;
  double entropy = 0.0;
  double mi = 0.0;
  double band_entropy = 0.0;
  double outside_entropy = 0.0;
  std::size_t in_band = 0;
  for (std::size_t i = 0; i < products.size(); ++i) {
    const auto& p = find(products[i], "probabilities").values;
    const auto label = static_cast<int>(find(products[i], "class").values[0]);
    confidence.push_back(*std::max_element(p.begin(), p.end()));
    correct.push_back(label == labels[i] ? 1 : 0);
    const double h = find(products[i], "entropy").values[0];
    entropy += h;
    mi += find(products[i], "mutual_information").values[0];
    if (!band.empty()) {
      (band[i] != 0 ? band_entropy : outside_entropy) += h;
      in_band += band[i] != 0 ? 1U : 0U;
    }
  }
  const auto count = static_cast<double>(products.size());
  double accuracy = 0.0;
  for (const auto c : correct) accuracy += c;
  nlohmann::json result = {
      {"eval_seed", seed},
      {"frames", n},
      {"mc_samples", mc_samples},
      {"accuracy", accuracy / count},
      {"ece_15_bins", expected_calibration_error(confidence, correct, 15)},
      {"mean_entropy_nat", entropy / count},
      {"mean_mutual_information_nat", mi / count},
      {"frames_per_s", fps},
      {"held_out",
       stem ? "96 x 96 phase-object patterns at 20000 electrons, an unseen specimen, classes "
              "balanced (vacuum, hex-a, square-b, hex-c)"
            : "SAXS frames binned " + std::to_string(saxs_bin) + " x " + std::to_string(saxs_bin) +
                  " at 1 s, random stage positions and temperatures (natural class shares)"}};
  if (stem) {
    auto mean_of = [&](const std::vector<Frame>& set, const char* name) {
      const auto out = run_stage(stage, set).first;
      double sum = 0.0;
      for (const auto& o : out) sum += find(o, name).values[0];
      return sum / static_cast<double>(out.size());
    };
    const double edge_h = mean_of(edge, "entropy");
    const double interior_h = mean_of(interior, "entropy");
    result["grain_boundary"] = {
        {"definition",
         "boundary: two grains within 0.5 scan units (nm) of the probe centre, no hole; "
         "interior: no other grain within 6 units; positions drawn at random, no defects"},
        {"frames_each", edge.size()},
        {"mean_entropy_boundary_nat", edge_h},
        {"mean_entropy_interior_nat", interior_h},
        {"mean_mutual_information_boundary_nat", mean_of(edge, "mutual_information")},
        {"mean_mutual_information_interior_nat", mean_of(interior, "mutual_information")}};
  } else {
    const std::size_t outside = products.size() - in_band;
    result["coexistence_band"] = {
        {"frames_in_band", in_band},
        {"mean_entropy_band_nat", in_band > 0 ? band_entropy / static_cast<double>(in_band) : 0.0},
        {"mean_entropy_outside_nat",
         outside > 0 ? outside_entropy / static_cast<double>(outside) : 0.0}};
  }
  return result;
}

}  // namespace edgeloop::ml
