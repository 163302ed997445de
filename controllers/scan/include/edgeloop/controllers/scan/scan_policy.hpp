// A trained scan policy loaded from its model file (kind "scan_policy"): the network's logits
// over the probe positions and its value estimate for a sparse scan. LibTorch stays behind the
// pimpl, so including this header costs nothing.
#pragma once

#include <filesystem>
#include <memory>
#include <vector>

#include "edgeloop/controllers/scan/sparse_scan_image.hpp"
#include "edgeloop/pipeline/ml/model_file.hpp"

namespace edgeloop::scan {

struct ScanPolicyOutput {
  std::vector<float> logits;  // per position; unavailable ones at kMaskedLogit
  float value = 0.0F;         // the critic's estimate of the error still to be removed
};

class ScanPolicy {
 public:
  // Throws ml::ModelFileError naming the file when it is missing, corrupt, of another kind or
  // architecture, or its weights do not fit.
  explicit ScanPolicy(const std::filesystem::path& weights);
  ~ScanPolicy();
  ScanPolicy(ScanPolicy&&) noexcept;
  ScanPolicy& operator=(ScanPolicy&&) noexcept;
  ScanPolicy(const ScanPolicy&) = delete;
  ScanPolicy& operator=(const ScanPolicy&) = delete;

  const ml::ModelManifest& manifest() const;
  const std::filesystem::path& path() const;
  // One forward pass (no gradients). Reuses scratch buffers: one caller at a time.
  ScanPolicyOutput evaluate(const SparseScanImage& scan);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace edgeloop::scan
