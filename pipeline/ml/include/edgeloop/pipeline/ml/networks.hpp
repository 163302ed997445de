// The networks the ML stages run and the trainers fit: a small fully convolutional Poisson
// denoiser and a small CNN classifier with MC dropout. Includes LibTorch: include it only from
// the .cpp files that build or run the modules (stages, trainers, tests).
#pragma once

#include <ATen/core/Generator.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>

namespace edgeloop::ml {

// Architecture names written into manifests; a change of the modules' code that changes their
// parameters or meaning gets a new name, so old files are refused instead of misread.
inline constexpr const char* kDenoiserArchitecture = "n2n-poisson-dncnn-v1";
inline constexpr const char* kClassifierArchitecture = "mcdropout-cnn-v1";

struct DenoiserShape {
  std::int64_t channels = 16;  // feature maps per hidden layer
  std::int64_t depth = 5;      // 3x3 convolutions in all (receptive field 2 depth + 1 pixels)

  nlohmann::json to_json() const;
  static DenoiserShape from_json(const nlohmann::json& json);  // throws ModelFileError
};

// Input: counts [B, 1, H, W] (float, any H and W, invalid pixels set to 0). Output: the
// estimated expected counts, same shape. The body works in Anscombe space, 2 sqrt(y + 3/8),
// where Poisson noise has unit variance at every level, scaled by the frame's mean so one
// network serves any dose; it predicts a residual, and the output is mapped back to counts.
// Trained with a Poisson likelihood against an independent second draw (Noise2Noise), whose
// minimiser is the conditional mean, i.e. the noise-free expectation.
class DenoiserNetImpl : public torch::nn::Module {
 public:
  explicit DenoiserNetImpl(const DenoiserShape& shape);
  torch::Tensor forward(const torch::Tensor& counts);

 private:
  torch::nn::Sequential body_{nullptr};
};
TORCH_MODULE(DenoiserNet);

struct ClassifierShape {
  std::int64_t classes = 4;
  std::int64_t pool_size = 48;  // frames are average-pooled to pool_size^2 first
  std::int64_t channels = 12;   // first layer's feature maps; later layers 2x
  double dropout = 0.2;         // kept active at inference for MC dropout

  nlohmann::json to_json() const;
  static ClassifierShape from_json(const nlohmann::json& json);  // throws ModelFileError
};

// Input: counts [B, 1, H, W] (any size; invalid pixels 0). Output: logits [B, classes],
// divided by the calibration temperature (a buffer fitted after training, saved with the
// weights). The frame is pooled, divided by its mean (dose invariance) and log-compressed; a
// second input channel holds the distance from the frame centre, so ring radii (what tells
// the phases and morphologies apart) are directly visible whatever the grain's rotation.
// Dropout acts only in the small head, after the convolutions: MC dropout then embeds a frame
// once and samples the head many times. Its masks come from the generator passed in (none: no
// dropout), never from LibTorch's global one, so results are reproducible whatever else runs.
class ClassifierNetImpl : public torch::nn::Module {
 public:
  explicit ClassifierNetImpl(const ClassifierShape& shape);
  // [B, 1, H, W] counts -> [B, embedding_size()] features.
  torch::Tensor embed(const torch::Tensor& counts);
  // Features -> logits before the temperature; dropout masks from `dropout` when given.
  torch::Tensor head(const torch::Tensor& embedding, std::optional<torch::Generator> dropout);
  torch::Tensor forward(const torch::Tensor& counts, std::optional<torch::Generator> dropout);
  std::int64_t embedding_size() const { return 8 * shape_.channels; }
  const ClassifierShape& shape() const { return shape_; }
  void set_temperature(double t);
  double temperature() const;

 private:
  torch::Tensor dropout(const torch::Tensor& x, std::optional<torch::Generator>& generator) const;

  ClassifierShape shape_;
  torch::nn::Sequential features_{nullptr};
  torch::nn::Linear hidden_{nullptr};
  torch::nn::Linear out_{nullptr};
  torch::Tensor temperature_;
};
TORCH_MODULE(ClassifierNet);

}  // namespace edgeloop::ml
