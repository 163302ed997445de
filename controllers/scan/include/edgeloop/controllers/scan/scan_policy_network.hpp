// The learned scan policy's network (LibTorch): a small fully convolutional actor-critic over
// the feature planes of scan_policy_features.hpp. Includes <torch/...>: only the policy's .cpp
// and the trainer include it.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/any.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <cstdint>
#include <utility>

namespace edgeloop::scan {

// Names the module's code in the model manifest: change it when the layers change.
inline constexpr const char* kScanPolicyArchitecture = "scan-cnn-v1";
inline constexpr const char* kScanPolicyKind = "scan_policy";
// Logit of a position that cannot be chosen: exp() of it is exactly 0 in float.
inline constexpr double kMaskedLogit = -1e9;

// Four 3x3 convolutions (dilations 1, 2, 4, 1: a 17-position receptive field, enough to see
// the neighbouring samples at 1-2 % coverage) -> a 1x1 convolution giving one logit per
// position (actor); mean- and max-pooled features -> two linear layers giving the value
// (critic). Fully convolutional, so one set of weights serves any grid size.
class ScanPolicyNetImpl : public torch::nn::Module {
 public:
  explicit ScanPolicyNetImpl(std::int64_t width = 16);

  // features [B, C, H, W], available [B, H*W] (bool) -> logits [B, H*W] (unavailable positions
  // at kMaskedLogit) and value [B].
  std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor& features,
                                                  const torch::Tensor& available);

  std::int64_t width() const { return width_; }

 private:
  std::int64_t width_;
  torch::nn::Conv2d conv1_{nullptr};
  torch::nn::Conv2d conv2_{nullptr};
  torch::nn::Conv2d conv3_{nullptr};
  torch::nn::Conv2d conv4_{nullptr};
  torch::nn::Conv2d actor_{nullptr};
  torch::nn::Linear value1_{nullptr};
  torch::nn::Linear value2_{nullptr};
};
TORCH_MODULE(ScanPolicyNet);

}  // namespace edgeloop::scan
