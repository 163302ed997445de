// A data-dependent orthonormal basis (principal components) learned from a calibration batch
// of frames: a later frame is compressed to its coefficients on the first k components and
// decoded from them and the stored basis and mean.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

namespace edgeloop::lossy {

struct PcaSettings {
  std::size_t components = 16;  // k, or the most kept when explained_variance is set
  // When set, within (0, 1]: keep the fewest components whose explained variance reaches it.
  std::optional<double> explained_variance{};
  bool center = true;  // subtract the batch's mean frame first (else the basis spans raw frames)
};

// What projecting one frame loses. relative_l2 = |f - decoded| / |f| (0 when both are 0,
// infinite when only f is), rms the residual's root mean square per pixel in the frame's units.
struct PcaResidual {
  double relative_l2 = 0.0;
  double rms = 0.0;
};

class PcaBasis {
 public:
  // Learns from `frame_count` frames of `pixels` values each, stored one after another in
  // `frames`, by a thin SVD (Eigen's BDCSVD) of the centred batch: the left singular vectors are
  // the components, the squared singular values their variances. Components beyond the batch's
  // numerical rank (singular values below 1e-12 of the largest) are not kept, so fewer than
  // asked may be (components() says how many; none for a batch of identical frames).
  // std::invalid_argument: fewer than 2 frames, components 0 or more than the frames,
  // explained_variance outside (0, 1], frames.size() != frame_count x pixels, pixels 0, or a
  // value that is not finite.
  static PcaBasis learn(std::span<const double> frames, std::size_t frame_count, std::size_t pixels,
                        const PcaSettings& settings);

  std::size_t components() const { return components_; }
  std::size_t pixels() const { return pixels_; }
  std::size_t calibration_frames() const { return calibration_frames_; }
  std::span<const double> mean() const { return mean_; }  // zeros when not centred
  // components() x pixels(), row-major: component c is values [c * pixels, (c + 1) * pixels).
  // The rows are orthonormal.
  std::span<const double> basis() const { return basis_; }
  // Share of the batch's variance (about the mean, or about 0 when not centred) per kept
  // component, largest first.
  std::span<const double> explained_variance_ratio() const { return explained_; }

  // coefficients.size() >= components() (the first components() are written, the rest left);
  // frame.size() == pixels(). std::invalid_argument otherwise. The residual is measured on the
  // decoded frame itself (built in `scratch`, resized), not inferred from the coefficients.
  PcaResidual project(std::span<const double> frame, std::span<double> coefficients,
                      std::vector<double>& scratch) const;
  // out = mean + sum_c coefficients[c] * component c; out.size() == pixels().
  void reconstruct(std::span<const double> coefficients, std::span<double> out) const;

 private:
  PcaBasis() = default;

  std::size_t components_ = 0;
  std::size_t pixels_ = 0;
  std::size_t calibration_frames_ = 0;
  std::vector<double> mean_;
  std::vector<double> basis_;
  std::vector<double> explained_;
};

}  // namespace edgeloop::lossy
