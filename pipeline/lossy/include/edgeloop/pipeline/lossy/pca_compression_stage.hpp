// The PCA compression stage: learns an orthonormal basis from the run's first frames (the
// calibration batch), then keeps k coefficients per frame and reports what each frame loses.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <vector>

#include "edgeloop/pipeline/lossy/frame_pixels.hpp"
#include "edgeloop/pipeline/lossy/pca_basis.hpp"
#include "edgeloop/pipeline/stage.hpp"

namespace edgeloop::lossy {

// Parameters (unknown keys and bad values: std::invalid_argument naming the key):
//   calibration_frames   2..4096, default 64: frames the basis is learned from (the first of
//                        the run; at most 2^27 values in all, checked at the first frame)
//   components           1..calibration_frames, default 16: k, the coefficients kept (the
//                        most kept when explained_variance is set)
//   explained_variance   (0, 1], default none: keep the fewest components reaching it
//   center               default true: subtract the batch's mean frame
//
// The first frame fixes the frame shape; frames of another shape or not 2-D images are refused
// (a stage failure). Calibration frames are held until the batch is complete; their own
// coefficients and residuals are computed then and reported at the run level.
//
// Per frame: "pca_coefficients" [components] (NaN for calibration frames and past the
// components the basis kept), "pca_residual" [1] (|f - decoded| / |f|, measured on the decoded
// frame), "pca_residual_rms" [1] (per pixel, frame units), "pca_compression_ratio" [1] (raw
// pixel bytes / 8 B per kept coefficient), all NaN for calibration frames, and
// "pca_calibration" [1] (1 for a calibration frame, else 0).
// Run level, snapshot: "pca_summary" [7] (calibration frames, components kept, variance
// explained, frames compressed, mean residual of the frames compressed, compression ratio per
// frame, compression ratio with the basis and mean counted once over the run's frames),
// "pca_explained_variance" [k] (axis "component"), "pca_residual_by_frame" [frames] (axis
// "sequence", calibration frames included once learned). finish adds "pca_mean" [rows, cols],
// "pca_basis" [k, rows, cols] (orthonormal rows) and "pca_calibration_coefficients"
// [calibration frames, components], which with the per-frame coefficients decode every
// frame: mean + sum_c coefficient_c x basis_c. A run that ends with 2 or more frames but fewer
// than calibration_frames learns its basis from them at the end.
class PcaCompressionStage final : public Stage {
 public:
  static constexpr std::size_t kMaxCalibrationValues = std::size_t{1} << 27;

  PcaCompressionStage();

 private:
  std::string_view stage_name() const override { return "pca_compression"; }
  std::string_view stage_version() const override { return "1.0.0"; }
  nlohmann::json apply_parameters(const nlohmann::json& parameters) override;
  void process_frame(const Frame& frame, std::vector<Product>& out) override;
  void snapshot_products(std::vector<Product>& out) const override;
  void finish_products(std::vector<Product>& out) override;

  // Learns from the held frames and projects them; called with mutex_ held.
  void learn();
  void summary(std::vector<Product>& out) const;

  PcaSettings settings_;
  std::size_t calibration_frames_ = 64;

  std::vector<double> pixels_;  // scratch
  std::vector<double> residual_;
  std::vector<double> coefficients_;

  // snapshot() may run on another thread than process(); the run's state is all both see.
  mutable std::mutex mutex_;
  std::optional<ImageShape> shape_;
  std::vector<double> calibration_;  // held frames, one after another
  std::vector<double> calibration_sequences_;
  std::vector<double> calibration_coefficients_;  // [frames, components], NaN-padded
  std::optional<PcaBasis> basis_;
  std::vector<double> residual_sequences_;
  std::vector<double> residuals_;
  std::size_t frames_ = 0;
  std::size_t compressed_ = 0;  // frames projected after calibration
  // Over those of them whose residual is finite (a NaN pixel makes it NaN).
  double residual_sum_ = 0.0;
  std::size_t residual_count_ = 0;
  double raw_bytes_ = 0.0;  // pixel bytes of every frame so far
};

}  // namespace edgeloop::lossy
