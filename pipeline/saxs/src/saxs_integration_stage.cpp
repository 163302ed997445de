#include "edgeloop/pipeline/saxs/saxs_integration_stage.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "edgeloop/core/dtype.hpp"
#include "edgeloop/core/sha256.hpp"
#include "edgeloop/pipeline/saxs/intensity_profile.hpp"
#include "edgeloop/pipeline/saxs/pixel_mask_file.hpp"
#include "edgeloop/pipeline/saxs/porod_invariant.hpp"

namespace edgeloop::saxs {
namespace {

constexpr std::string_view kPrefix = "saxs_azimuthal_integration: ";

std::string frame_error(const std::string& what) {
  return std::string(kPrefix) + what;
}

nlohmann::json geometry_json(const formats::PoniParameters& g) {
  return {{"dist", g.dist},
          {"poni1", g.poni1},
          {"poni2", g.poni2},
          {"rot1", g.rot1},
          {"rot2", g.rot2},
          {"rot3", g.rot3},
          {"wavelength", g.wavelength},
          {"pixel1", g.pixel1},
          {"pixel2", g.pixel2},
          {"rows", g.rows},
          {"cols", g.cols},
          {"detector", g.detector}};
}

std::string shape_text(const std::vector<std::uint32_t>& shape) {
  std::string text = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    text += (i == 0 ? "" : ", ") + std::to_string(shape[i]);
  }
  return text + "]";
}

}  // namespace

nlohmann::json SaxsIntegrationStage::apply_parameters(const nlohmann::json& parameters) {
  SaxsIntegrationParameters settings = parse_saxs_integration_parameters(parameters);
  const formats::PoniGeometry geometry(settings.geometry);

  std::vector<std::uint8_t> mask;
  if (!settings.mask.empty()) {
    try {
      mask =
          read_pixel_mask(parse_pixel_mask_source(settings.mask), geometry.rows(), geometry.cols());
    } catch (const std::exception& e) {
      throw std::invalid_argument(frame_error(std::string("mask: ") + e.what()));
    }
  }
  std::optional<AzimuthalIntegrator> integrator;
  try {
    integrator.emplace(geometry, settings.integrator, mask);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(frame_error(e.what()));
  }

  const AzimuthalIntegratorOptions& o = settings.integrator;
  nlohmann::json effective = {
      {"poni",
       settings.poni_file.empty() ? nlohmann::json(nullptr) : nlohmann::json(settings.poni_file)},
      {"poni_sha256", settings.poni_sha256.empty() ? nlohmann::json(nullptr)
                                                   : nlohmann::json(settings.poni_sha256)},
      {"geometry", geometry_json(settings.geometry)},
      {"mask", settings.mask.empty() ? nlohmann::json(nullptr) : nlohmann::json(settings.mask)},
      // Of the mask as applied, one byte (0 or 1) per pixel row-major, so the hash names exactly
      // which pixels were left out whatever the file's type or bit layout.
      {"mask_sha256", mask.empty() ? nlohmann::json(nullptr)
                                   : nlohmann::json(to_hex(Sha256::of(
                                         std::as_bytes(std::span<const std::uint8_t>(mask)))))},
      {"masked_pixels", integrator->masked_pixels()},
      {"out_of_range_pixels", integrator->out_of_range_pixels()},
      {"bins", integrator->bins()},
      {"unit", radial_unit_name(o.unit)},
      {"q_min", integrator->radial_min()},
      {"q_max", integrator->radial_max()},
      {"q_min_from", o.radial_min ? "parameter" : "data"},
      {"q_max_from", o.radial_max ? "parameter" : "data"},
      {"polarization_factor",
       o.polarization_factor ? nlohmann::json(*o.polarization_factor) : nlohmann::json(nullptr)},
      {"normalize_exposure", settings.normalize_exposure},
      {"flux_normalization", settings.flux_normalization},
      {"intensity_units", settings.intensity_units},
      {"guinier_max_qrg", settings.guinier.max_qrg},
      {"guinier_min_points", settings.guinier.min_points},
      {"method", "pyFAI integrate1d, no pixel splitting (pixel centre)"},
      {"solid_angle", "relative to the PONI pixel (cos^3)"},
      {"error_model", "poisson"},
      {"weight_bits", integrator->weight_bits()},
      {"backend", "kokkos"}};

  settings_ = std::move(settings);
  integrator_ = std::move(integrator);
  const std::lock_guard lock(run_mutex_);
  run_sums_ = BinnedSums{std::vector<double>(integrator_->bins(), 0.0),
                         std::vector<double>(integrator_->bins(), 0.0),
                         std::vector<std::uint64_t>(integrator_->bins(), 0)};
  run_frames_ = 0;
  return effective;
}

void SaxsIntegrationStage::process_frame(const Frame& frame, std::vector<Product>& out) {
  if (!integrator_) throw std::logic_error(frame_error("process() before configure()"));
  const FrameMeta& meta = frame.meta;
  if (meta.kind != FrameKind::Image) throw std::invalid_argument(frame_error("not an image frame"));
  if (meta.shape.size() != 2 || meta.shape[0] != integrator_->rows() ||
      meta.shape[1] != integrator_->cols()) {
    throw std::invalid_argument(frame_error(
        "frame shape " + shape_text(meta.shape) + " is not the geometry's [" +
        std::to_string(integrator_->rows()) + ", " + std::to_string(integrator_->cols()) + "]"));
  }
  if (dtype_size(meta.dtype) == 0) {
    throw std::invalid_argument(
        frame_error("frame pixel type '" + std::string(dtype_name(meta.dtype)) + "' unsupported"));
  }
  const std::span<const std::byte> pixels = frame.pixels();
  if (pixels.empty()) throw std::invalid_argument(frame_error("frame pixels are not decoded"));
  double divisor = settings_.flux_normalization;
  if (settings_.normalize_exposure) {
    if (!(std::isfinite(meta.exposure_s) && meta.exposure_s > 0.0)) {
      throw std::invalid_argument(frame_error("normalize_exposure needs exposure_s > 0, got " +
                                              std::to_string(meta.exposure_s)));
    }
    divisor *= meta.exposure_s;
  }

  integrator_->integrate(pixels, meta.dtype, frame_sums_);
  append_curve_products(frame_sums_, divisor, "", out);

  const std::lock_guard lock(run_mutex_);
  for (std::size_t k = 0; k < integrator_->bins(); ++k) {
    run_sums_.counts[k] += frame_sums_.counts[k];
    run_sums_.norm[k] += frame_sums_.norm[k] * divisor;
    run_sums_.pixels[k] += frame_sums_.pixels[k];
  }
  ++run_frames_;
}

void SaxsIntegrationStage::snapshot_products(std::vector<Product>& out) const {
  if (!integrator_) return;
  const std::lock_guard lock(run_mutex_);
  if (run_frames_ == 0) return;
  append_curve_products(run_sums_, 1.0, "_mean", out);
}

void SaxsIntegrationStage::append_curve_products(const BinnedSums& sums, double divisor,
                                                 const std::string& suffix,
                                                 std::vector<Product>& out) const {
  const IntensityProfile profile = poisson_intensity(integrator_->bin_centres(), sums, divisor);
  const GuinierFit guinier =
      guinier_fit(profile.q, profile.intensity, profile.sigma, settings_.guinier);
  const PorodInvariant porod = porod_invariant(profile.q, profile.intensity, profile.sigma);
  const RadialUnit unit = integrator_->unit();
  const std::string axis_units(radial_unit_axis_units(unit));
  const auto bins = static_cast<std::uint32_t>(integrator_->bins());

  out.push_back(Product{"iq" + suffix,
                        profile.intensity,
                        {bins},
                        profile.sigma,
                        {ProductAxis{"q", axis_units, profile.q}},
                        settings_.intensity_units});
  out.push_back(
      Product{"guinier" + suffix,
              {guinier.rg, guinier.i0},
              {2},
              {guinier.rg_error, guinier.i0_error},
              {},
              std::string(radial_unit_length_units(unit)) + ", " + settings_.intensity_units});
  out.push_back(Product{"porod_invariant" + suffix,
                        {porod.value},
                        {1},
                        {porod.error},
                        {},
                        settings_.intensity_units + (unit == RadialUnit::QA ? " A^-3" : " nm^-3")});
}

}  // namespace edgeloop::saxs
