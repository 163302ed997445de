// The "classify" stage: each frame's class (4D-STEM phase or vacuum, SAXS morphology) from a
// trained CNN, with MC-dropout probabilities, predictive entropy and mutual information, and
// live class and uncertainty maps over the scan grid.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "edgeloop/pipeline/stage.hpp"

namespace edgeloop::ml {

// Parameters (unknown keys and bad values: std::invalid_argument naming the key; a missing,
// corrupt or mismatched model file: ModelFileError, both at configure time):
//   model             required: path of the classifier's .pt (its .json manifest beside it)
//   mc_samples        dropout samples per frame, 1..1024, default 16 (1: dropout off)
//   seed              integer, default 0: with the frame's sequence number it seeds that
//                     frame's dropout masks, so results do not depend on batching or threads
//   scan_nx, scan_ny  optional, both or neither: the scan grid; a frame's scan_index is
//                     y * scan_nx + x and must then lie on it (4D-STEM runs pass the run's)
//   batch             frames per network call, default 16
// describe() records the model's manifest (hash, architecture, class names, training, seed).
//
// Per frame: "class" [1] (index into the manifest's class_names), "probabilities" [classes]
// (mean over the samples), "entropy" [1] and "mutual_information" [1] in nats.
// Run level (snapshot and finish, only with a scan grid), each [scan_ny, scan_nx], NaN where
// unvisited, revisits averaged: "class_map" (argmax of the mean probabilities),
// "confidence_map", "entropy_map", "mutual_information_map", "classified_map" (frames classified
// per position), and "probability_map" [classes, scan_ny, scan_nx].
class ClassifyStage final : public Stage {
 public:
  ClassifyStage();
  ~ClassifyStage() override;

  // After configure: the manifest's class names, in index order.
  const std::vector<std::string>& class_names() const { return class_names_; }

 private:
  struct Network;

  std::string_view stage_name() const override { return "classify"; }
  std::string_view stage_version() const override { return "1.0.0"; }
  nlohmann::json apply_parameters(const nlohmann::json& parameters) override;
  void process_frame(const Frame& frame, std::vector<Product>& out) override;
  void process_frames(std::span<const Frame* const> frames,
                      std::vector<std::vector<Product>>& out) override;
  void snapshot_products(std::vector<Product>& out) const override;
  std::size_t preferred_batch_size() const override { return batch_; }

  std::unique_ptr<Network> network_;
  std::vector<std::string> class_names_;
  std::size_t mc_samples_ = 16;
  std::uint64_t seed_ = 0;
  std::size_t batch_ = 16;
  std::uint32_t scan_nx_ = 0;  // 0: no maps
  std::uint32_t scan_ny_ = 0;

  // snapshot() may run on another thread than process(); the map sums are all both see.
  mutable std::mutex maps_mutex_;
  std::vector<double> sums_;  // per position: classes probabilities, entropy, MI
  std::vector<std::uint32_t> visits_;
};

}  // namespace edgeloop::ml
