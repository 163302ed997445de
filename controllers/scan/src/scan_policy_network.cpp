#include "edgeloop/controllers/scan/scan_policy_network.hpp"

#include <torch/nn/functional/activation.h>
#include <torch/torch.h>

#include "edgeloop/controllers/scan/scan_policy_features.hpp"

namespace edgeloop::scan {

namespace nn = torch::nn;

ScanPolicyNetImpl::ScanPolicyNetImpl(std::int64_t width) : width_(width) {
  const auto channels = static_cast<std::int64_t>(kScanFeatureChannels);
  conv1_ = register_module("conv1", nn::Conv2d(nn::Conv2dOptions(channels, width, 3).padding(1)));
  conv2_ = register_module("conv2",
                           nn::Conv2d(nn::Conv2dOptions(width, width, 3).padding(2).dilation(2)));
  conv3_ = register_module("conv3",
                           nn::Conv2d(nn::Conv2dOptions(width, width, 3).padding(4).dilation(4)));
  conv4_ = register_module("conv4", nn::Conv2d(nn::Conv2dOptions(width, width, 3).padding(1)));
  actor_ = register_module("actor", nn::Conv2d(nn::Conv2dOptions(width, 1, 1)));
  value1_ = register_module("value1", nn::Linear(2 * width, width));
  value2_ = register_module("value2", nn::Linear(width, 1));
}

std::pair<torch::Tensor, torch::Tensor> ScanPolicyNetImpl::forward(const torch::Tensor& features,
                                                                   const torch::Tensor& available) {
  auto h = torch::relu(conv1_->forward(features));
  h = torch::relu(conv2_->forward(h));
  h = torch::relu(conv3_->forward(h));
  h = torch::relu(conv4_->forward(h));
  auto logits = actor_->forward(h).flatten(1);
  logits = logits.masked_fill(available.logical_not(), kMaskedLogit);
  const auto pooled = torch::cat({h.mean({2, 3}), h.amax({2, 3})}, 1);
  auto value = value2_->forward(torch::relu(value1_->forward(pooled))).squeeze(1);
  return {logits, value};
}

}  // namespace edgeloop::scan
