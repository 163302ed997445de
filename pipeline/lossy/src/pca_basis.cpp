#include "edgeloop/pipeline/lossy/pca_basis.hpp"

#include <Eigen/Dense>
#include <Eigen/SVD>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace edgeloop::lossy {
namespace {

// Singular values below this share of the largest are rounding, not structure.
constexpr double kRankTolerance = 1e-12;

[[noreturn]] void refuse(const std::string& why) {
  throw std::invalid_argument("PCA basis: " + why);
}

Eigen::Index index(std::size_t n) {
  return static_cast<Eigen::Index>(n);
}

}  // namespace

PcaBasis PcaBasis::learn(std::span<const double> frames, std::size_t frame_count,
                         std::size_t pixels, const PcaSettings& settings) {
  if (frame_count < 2) refuse("a calibration batch needs at least 2 frames");
  if (pixels == 0) refuse("frames have no pixels");
  if (settings.components == 0) refuse("components must be at least 1");
  if (settings.components > frame_count) {
    refuse("components (" + std::to_string(settings.components) + ") exceed the " +
           std::to_string(frame_count) + " calibration frames");
  }
  if (settings.explained_variance &&
      !(*settings.explained_variance > 0.0 && *settings.explained_variance <= 1.0)) {
    refuse("explained_variance must be within (0, 1]");
  }
  if (frames.size() != frame_count * pixels) {
    refuse(std::to_string(frames.size()) + " values are not " + std::to_string(frame_count) +
           " frames of " + std::to_string(pixels) + " pixels");
  }
  for (const double v : frames) {
    if (!std::isfinite(v)) refuse("a calibration frame holds a value that is not finite");
  }

  PcaBasis b;
  b.pixels_ = pixels;
  b.calibration_frames_ = frame_count;
  // One column per frame.
  Eigen::MatrixXd x =
      Eigen::Map<const Eigen::MatrixXd>(frames.data(), index(pixels), index(frame_count));
  Eigen::VectorXd mean = Eigen::VectorXd::Zero(index(pixels));
  if (settings.center) {
    mean = x.rowwise().mean();
    x.colwise() -= mean;
  }
  b.mean_.assign(mean.data(), mean.data() + mean.size());

  // The thin SVD of the tall batch (pixels >> frames) costs pixels x frames^2, like the Gram
  // matrix's eigensystem would, without squaring its condition number.
  const Eigen::BDCSVD<Eigen::MatrixXd> svd(x, Eigen::ComputeThinU);
  const Eigen::VectorXd& sigma = svd.singularValues();
  const double largest = sigma.size() > 0 ? sigma(0) : 0.0;
  double total = 0.0;
  for (Eigen::Index i = 0; i < sigma.size(); ++i) total += sigma(i) * sigma(i);
  std::size_t rank = 0;
  while (rank < static_cast<std::size_t>(sigma.size()) && largest > 0.0 &&
         sigma(index(rank)) > kRankTolerance * largest) {
    ++rank;
  }
  std::size_t k = std::min(settings.components, rank);
  if (settings.explained_variance && k > 0) {
    double cumulative = 0.0;
    std::size_t needed = 0;
    while (needed < k) {
      cumulative += sigma(index(needed)) * sigma(index(needed)) / total;
      ++needed;
      // A whisker below the target is the rounding of a sum that reaches it.
      if (cumulative >= *settings.explained_variance * (1.0 - 1e-12)) break;
    }
    k = needed;
  }
  b.components_ = k;
  b.basis_.resize(k * pixels);
  b.explained_.resize(k);
  const Eigen::MatrixXd& u = svd.matrixU();
  for (std::size_t c = 0; c < k; ++c) {
    Eigen::Map<Eigen::VectorXd>(b.basis_.data() + c * pixels, index(pixels)) = u.col(index(c));
    b.explained_[c] = sigma(index(c)) * sigma(index(c)) / total;
  }
  return b;
}

PcaResidual PcaBasis::project(std::span<const double> frame, std::span<double> coefficients,
                              std::vector<double>& scratch) const {
  if (frame.size() != pixels_) {
    refuse("a frame of " + std::to_string(frame.size()) + " pixels on a basis of " +
           std::to_string(pixels_));
  }
  if (coefficients.size() < components_) {
    refuse("room for " + std::to_string(coefficients.size()) + " coefficients, not " +
           std::to_string(components_));
  }
  const Eigen::Map<const Eigen::VectorXd> f(frame.data(), index(pixels_));
  const Eigen::Map<const Eigen::VectorXd> mu(mean_.data(), index(pixels_));
  const Eigen::Map<const Eigen::MatrixXd> u(basis_.data(), index(pixels_), index(components_));
  Eigen::Map<Eigen::VectorXd> c(coefficients.data(), index(components_));
  scratch.resize(pixels_);
  Eigen::Map<Eigen::VectorXd> residual(scratch.data(), index(pixels_));
  residual = f - mu;
  c.noalias() = u.transpose() * residual;
  // Decode exactly as a reader would (mean + U c) and measure what differs from the frame.
  residual.noalias() -= u * c;
  PcaResidual r;
  const double residual_norm = residual.norm();
  const double frame_norm = f.norm();
  r.rms = residual_norm / std::sqrt(static_cast<double>(pixels_));
  if (frame_norm > 0.0) {
    r.relative_l2 = residual_norm / frame_norm;
  } else {
    r.relative_l2 = residual_norm > 0.0 ? std::numeric_limits<double>::infinity() : 0.0;
  }
  return r;
}

void PcaBasis::reconstruct(std::span<const double> coefficients, std::span<double> out) const {
  if (out.size() != pixels_) {
    refuse("room for " + std::to_string(out.size()) + " pixels, not " + std::to_string(pixels_));
  }
  if (coefficients.size() < components_) {
    refuse(std::to_string(coefficients.size()) + " coefficients for " +
           std::to_string(components_) + " components");
  }
  const Eigen::Map<const Eigen::VectorXd> mu(mean_.data(), index(pixels_));
  const Eigen::Map<const Eigen::MatrixXd> u(basis_.data(), index(pixels_), index(components_));
  const Eigen::Map<const Eigen::VectorXd> c(coefficients.data(), index(components_));
  Eigen::Map<Eigen::VectorXd> o(out.data(), index(pixels_));
  o = mu;
  o.noalias() += u * c;
}

}  // namespace edgeloop::lossy
