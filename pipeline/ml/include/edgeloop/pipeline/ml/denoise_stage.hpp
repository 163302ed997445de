// The "denoise" stage: each frame's noise-free counts estimated by a trained Noise2Noise CNN
// (models/denoiser-*.pt) or, as the classical baseline, by a Gaussian filter.
#pragma once

#include <memory>
#include <optional>

#include "edgeloop/pipeline/ml/gaussian_denoiser.hpp"
#include "edgeloop/pipeline/stage.hpp"

namespace edgeloop::ml {

// Parameters (unknown keys and bad values: std::invalid_argument naming the key; a missing,
// corrupt or mismatched model file: ModelFileError, both at configure time):
//   method   "cnn" (default) | "gaussian"
//   model    cnn: path of the denoiser's .pt (its .json manifest beside it); required
//   sigma    gaussian: filter width in pixels, default 1.0
//   bin      sum bin x bin pixel blocks first (exact for Poisson counts); default: the
//            model's "bin" architecture parameter (SAXS denoisers: 4), 1 for gaussian
//   batch    cnn: frames per network call, default 1 (on a CPU one 96^2 frame's activations
//            fit the caches, a batch's do not: bench_ml measures batch 1 fastest)
// describe() records the model's manifest (hash, architecture, training, seed, metrics).
//
// Per frame: "denoised" [rows / bin, cols / bin] in counts (per block), NaN where the detector
// marks every pixel of a block invalid (u16/u32 at the type's maximum). Frames of any size and
// numeric dtype; no run products.
class DenoiseStage final : public Stage {
 public:
  DenoiseStage();
  ~DenoiseStage() override;

 private:
  struct Network;

  std::string_view stage_name() const override { return "denoise"; }
  std::string_view stage_version() const override { return "1.0.0"; }
  nlohmann::json apply_parameters(const nlohmann::json& parameters) override;
  void process_frame(const Frame& frame, std::vector<Product>& out) override;
  void process_frames(std::span<const Frame* const> frames,
                      std::vector<std::vector<Product>>& out) override;
  std::size_t preferred_batch_size() const override { return batch_; }

  std::unique_ptr<Network> network_;  // cnn
  std::optional<GaussianDenoiser> gaussian_;
  std::size_t batch_ = 1;
  std::uint32_t bin_ = 1;
};

}  // namespace edgeloop::ml
