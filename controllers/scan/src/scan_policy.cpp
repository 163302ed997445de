#include "edgeloop/controllers/scan/scan_policy.hpp"

#include <torch/torch.h>

#include <cstdint>
#include <utility>

#include "edgeloop/controllers/scan/scan_policy_features.hpp"
#include "edgeloop/controllers/scan/scan_policy_network.hpp"

namespace edgeloop::scan {

struct ScanPolicy::Impl {
  std::filesystem::path path;
  ml::ModelManifest manifest;
  ScanPolicyNet net{nullptr};
  std::vector<float> features;
  std::vector<std::uint8_t> available;
};

ScanPolicy::ScanPolicy(const std::filesystem::path& weights) : impl_(std::make_unique<Impl>()) {
  impl_->path = weights;
  const auto manifest = ml::read_manifest(weights);
  std::int64_t width = 16;
  try {
    width = manifest.architecture_params.value("width", std::int64_t{16});
  } catch (const nlohmann::json::exception&) {
    throw ml::ModelFileError("model " + weights.string() +
                             ": architecture_params.width is not an integer");
  }
  if (width < 1 || width > 1024) {
    throw ml::ModelFileError("model " + weights.string() + ": width " + std::to_string(width) +
                             " is out of range");
  }
  impl_->net = ScanPolicyNet(width);
  impl_->manifest = ml::load_model(*impl_->net, weights, kScanPolicyKind, kScanPolicyArchitecture);
  impl_->net->eval();
}

ScanPolicy::~ScanPolicy() = default;
ScanPolicy::ScanPolicy(ScanPolicy&&) noexcept = default;
ScanPolicy& ScanPolicy::operator=(ScanPolicy&&) noexcept = default;

const ml::ModelManifest& ScanPolicy::manifest() const {
  return impl_->manifest;
}
const std::filesystem::path& ScanPolicy::path() const {
  return impl_->path;
}

ScanPolicyOutput ScanPolicy::evaluate(const SparseScanImage& scan) {
  const std::size_t n = scan.size();
  impl_->features.resize(kScanFeatureChannels * n);
  impl_->available.resize(n);
  scan_policy_features(scan, impl_->features);
  for (std::size_t i = 0; i < n; ++i) {
    impl_->available[i] = scan.available(static_cast<std::int64_t>(i)) ? 1 : 0;
  }
  const c10::InferenceMode inference;  // no autograd bookkeeping at all: the daemon only acts
  const auto x =
      torch::from_blob(impl_->features.data(),
                       {1, static_cast<std::int64_t>(kScanFeatureChannels),
                        static_cast<std::int64_t>(scan.ny()), static_cast<std::int64_t>(scan.nx())},
                       torch::kFloat32);
  const auto mask =
      torch::from_blob(impl_->available.data(), {1, static_cast<std::int64_t>(n)}, torch::kUInt8)
          .to(torch::kBool);
  const auto [logits, value] = impl_->net->forward(x, mask);
  const auto flat = logits.contiguous();
  ScanPolicyOutput out;
  out.logits.assign(flat.data_ptr<float>(), flat.data_ptr<float>() + n);
  out.value = value.item<float>();
  return out;
}

}  // namespace edgeloop::scan
