#include "edgeloop/pipeline/lossy/pca_compression_stage.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>

#include "parameter_reader.hpp"

namespace edgeloop::lossy {
namespace {

constexpr const char* kName = "pca_compression";
constexpr std::uint64_t kMostCalibrationFrames = 4096;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kCoefficientBytes = sizeof(double);

Product scalar(const char* name, double value) {
  return Product{name, {value}, {1}};
}

std::string shape_text(ImageShape s) {
  return std::to_string(s.rows) + " x " + std::to_string(s.cols);
}

}  // namespace

PcaCompressionStage::PcaCompressionStage() = default;

nlohmann::json PcaCompressionStage::apply_parameters(const nlohmann::json& parameters) {
  const detail::ParameterReader read(kName);
  if (!parameters.is_object()) {
    throw std::invalid_argument(std::string(kName) + ": parameters must be a table");
  }
  std::uint64_t calibration = 64;
  std::optional<std::uint64_t> components;
  std::optional<double> explained;
  bool center = true;
  for (const auto& [key, value] : parameters.items()) {
    if (key == "calibration_frames") {
      calibration = read.integer(key, value, 2, kMostCalibrationFrames);
    } else if (key == "components") {
      components = read.integer(key, value, 1, kMostCalibrationFrames);
    } else if (key == "explained_variance") {
      explained = read.number(key, value, 0.0, false);
      if (*explained > 1.0) read.fail(key, "must be within (0, 1]");
    } else if (key == "center") {
      center = read.boolean(key, value);
    } else {
      read.unknown(key);
    }
  }
  const std::uint64_t k = components.value_or(std::min<std::uint64_t>(16, calibration));
  if (k > calibration) {
    read.fail("components", "(" + std::to_string(k) + ") must not exceed 'calibration_frames' (" +
                                std::to_string(calibration) + "): a batch of n frames spans at " +
                                "most n components");
  }

  // Everything is valid: commit, and start the run's state afresh.
  settings_ = PcaSettings{static_cast<std::size_t>(k), explained, center};
  calibration_frames_ = static_cast<std::size_t>(calibration);
  {
    const std::lock_guard lock(mutex_);
    shape_.reset();
    calibration_.clear();
    calibration_sequences_.clear();
    calibration_coefficients_.clear();
    basis_.reset();
    residual_sequences_.clear();
    residuals_.clear();
    frames_ = 0;
    compressed_ = 0;
    residual_sum_ = 0.0;
    residual_count_ = 0;
    raw_bytes_ = 0.0;
  }
  return {{"calibration_frames", calibration},
          {"components", k},
          {"explained_variance", explained ? nlohmann::json(*explained) : nlohmann::json(nullptr)},
          {"center", center}};
}

void PcaCompressionStage::learn() {
  const std::size_t n = calibration_sequences_.size();
  const std::size_t pixels = shape_->pixels();
  PcaSettings s = settings_;
  s.components = std::min(s.components, n);  // a run that ended early has fewer frames
  basis_.emplace(PcaBasis::learn(calibration_, n, pixels, s));
  calibration_coefficients_.assign(n * settings_.components, kNaN);
  for (std::size_t f = 0; f < n; ++f) {
    const std::span<const double> frame(calibration_.data() + f * pixels, pixels);
    const std::span<double> row(calibration_coefficients_.data() + f * settings_.components,
                                settings_.components);
    const PcaResidual r = basis_->project(frame, row, residual_);
    residual_sequences_.push_back(calibration_sequences_[f]);
    residuals_.push_back(r.relative_l2);
  }
  // The batch has served its purpose; its coefficients decode it from now on.
  calibration_.clear();
  calibration_.shrink_to_fit();
}

void PcaCompressionStage::process_frame(const Frame& frame, std::vector<Product>& out) {
  const ImageShape shape = image_pixels(frame, kName, pixels_);
  const auto sequence = static_cast<double>(frame.meta.sequence);
  const auto raw_bytes = static_cast<double>(frame.pixels().size());
  coefficients_.assign(settings_.components, kNaN);
  std::optional<PcaResidual> residual;
  {
    const std::lock_guard lock(mutex_);
    if (!shape_) {
      if (calibration_frames_ * shape.pixels() > kMaxCalibrationValues) {
        throw std::invalid_argument(
            std::string(kName) + ": a calibration batch of " + std::to_string(calibration_frames_) +
            " frames of " + shape_text(shape) + " pixels holds more than " +
            std::to_string(kMaxCalibrationValues) + " values; use fewer calibration frames");
      }
      shape_ = shape;
    } else if (shape != *shape_) {
      throw std::invalid_argument(std::string(kName) + ": frame " +
                                  std::to_string(frame.meta.sequence) + " is " + shape_text(shape) +
                                  " pixels, the run's frames are " + shape_text(*shape_));
    }
    if (!basis_) {
      if (!std::all_of(pixels_.begin(), pixels_.end(), [](double v) { return std::isfinite(v); })) {
        throw std::invalid_argument(std::string(kName) + ": calibration frame " +
                                    std::to_string(frame.meta.sequence) +
                                    " holds a value that is not finite");
      }
      calibration_.insert(calibration_.end(), pixels_.begin(), pixels_.end());
      calibration_sequences_.push_back(sequence);
      if (calibration_sequences_.size() == calibration_frames_) learn();
    } else {
      residual = basis_->project(pixels_, coefficients_, residual_);
      residual_sequences_.push_back(sequence);
      residuals_.push_back(residual->relative_l2);
      ++compressed_;
      if (std::isfinite(residual->relative_l2)) {
        residual_sum_ += residual->relative_l2;
        ++residual_count_;
      }
    }
    ++frames_;
    raw_bytes_ += raw_bytes;
  }
  Product coefficients{
      "pca_coefficients", coefficients_, {static_cast<std::uint32_t>(settings_.components)}};
  out.push_back(std::move(coefficients));
  if (residual) {
    const auto kept = static_cast<double>(basis_->components());
    out.push_back(scalar("pca_residual", residual->relative_l2));
    out.push_back(scalar("pca_residual_rms", residual->rms));
    out.push_back(scalar("pca_compression_ratio", kept > 0.0
                                                      ? raw_bytes / (kept * kCoefficientBytes)
                                                      : std::numeric_limits<double>::infinity()));
    out.push_back(scalar("pca_calibration", 0.0));
  } else {
    out.push_back(scalar("pca_residual", kNaN));
    out.push_back(scalar("pca_residual_rms", kNaN));
    out.push_back(scalar("pca_compression_ratio", kNaN));
    out.push_back(scalar("pca_calibration", 1.0));
  }
}

void PcaCompressionStage::summary(std::vector<Product>& out) const {
  const double pixels = shape_ ? static_cast<double>(shape_->pixels()) : 0.0;
  const double frames = static_cast<double>(frames_);
  double kept = kNaN;
  double explained = kNaN;
  double per_frame = kNaN;
  double with_basis = kNaN;
  if (basis_) {
    kept = static_cast<double>(basis_->components());
    explained = 0.0;
    for (const double e : basis_->explained_variance_ratio()) explained += e;
    per_frame = raw_bytes_ / frames / (kept * kCoefficientBytes);
    with_basis = raw_bytes_ / ((frames * kept + (kept + 1.0) * pixels) * kCoefficientBytes);
  }
  const double calibration = basis_ ? static_cast<double>(basis_->calibration_frames())
                                    : static_cast<double>(calibration_sequences_.size());
  const double mean_residual =
      residual_count_ > 0 ? residual_sum_ / static_cast<double>(residual_count_) : kNaN;
  out.push_back(Product{"pca_summary",
                        {calibration, kept, explained, static_cast<double>(compressed_),
                         mean_residual, per_frame, with_basis},
                        {7}});
  if (basis_ && basis_->components() > 0) {
    Product variance{"pca_explained_variance"};
    const auto ratios = basis_->explained_variance_ratio();
    variance.values.assign(ratios.begin(), ratios.end());
    variance.shape = {static_cast<std::uint32_t>(ratios.size())};
    ProductAxis component{"component", "", {}};
    for (std::size_t c = 0; c < ratios.size(); ++c) {
      component.values.push_back(static_cast<double>(c));
    }
    variance.axes.push_back(std::move(component));
    out.push_back(std::move(variance));
  }
  if (!residuals_.empty()) {
    Product by_frame{
        "pca_residual_by_frame", residuals_, {static_cast<std::uint32_t>(residuals_.size())}};
    by_frame.axes.push_back(ProductAxis{"sequence", "", residual_sequences_});
    out.push_back(std::move(by_frame));
  }
}

void PcaCompressionStage::snapshot_products(std::vector<Product>& out) const {
  const std::lock_guard lock(mutex_);
  summary(out);
}

void PcaCompressionStage::finish_products(std::vector<Product>& out) {
  const std::lock_guard lock(mutex_);
  if (!basis_ && calibration_sequences_.size() >= 2) learn();
  summary(out);
  if (!basis_) return;
  const auto rows = shape_->rows;
  const auto cols = shape_->cols;
  const auto mean = basis_->mean();
  out.push_back(Product{"pca_mean", {mean.begin(), mean.end()}, {rows, cols}});
  if (basis_->components() > 0) {
    const auto basis = basis_->basis();
    out.push_back(Product{"pca_basis",
                          {basis.begin(), basis.end()},
                          {static_cast<std::uint32_t>(basis_->components()), rows, cols}});
  }
  Product coefficients{"pca_calibration_coefficients",
                       calibration_coefficients_,
                       {static_cast<std::uint32_t>(calibration_sequences_.size()),
                        static_cast<std::uint32_t>(settings_.components)}};
  coefficients.axes.push_back(ProductAxis{"sequence", "", calibration_sequences_});
  out.push_back(std::move(coefficients));
}

}  // namespace edgeloop::lossy
