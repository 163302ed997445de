#include "edgeloop/sims/saxs_truth.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "edgeloop/core/dtype.hpp"
#include "edgeloop/formats/h5_file.hpp"

namespace edgeloop::sims {
namespace {

constexpr std::string_view kModel =
    "Spheres for x below boundary_x_mm, cylinders above, coexisting across boundary_width_mm "
    "(cylinder share = smootherstep). Spheres: R = (R_min + (R_max - R_min) u)(1 + swelling "
    "(T - T_ref)), u = (x - x_min)/(boundary - x_min); polydispersity (Schulz) linear in y from "
    "min to max; volume fraction = [floor + (peak - floor) exp(-(x-dome_x)^2/(2 sx^2) - "
    "(y-dome_y)^2/(2 sy^2))] (1/2 + 1/2 exp(-(T-dome_T)^2/(2 sT^2))) times the sphere share; "
    "hard-sphere Percus-Yevick S(q) at the mean radius when structure_factor. Cylinders: radius "
    "fixed (Schulz polydispersity), L = (L_min + (L_max - L_min) v)(1 + growth (T - T_ref)), "
    "v = (x - boundary)/(x_max - boundary), volume fraction = phi_cyl (1 - v/2) times the "
    "cylinder share, randomly oriented. dSigma/dOmega = sum phi drho^2 <V^2 P(q)>/<V> (S), "
    "drho in 1e10 cm^-2, in cm^-1. Counts = flux t T d (I(q) + background) dOmega P + dark.";

std::vector<double> grid(double lo, double hi, std::size_t n) {
  std::vector<double> out(n);
  for (std::size_t k = 0; k < n; ++k) {
    out[k] = n == 1 ? lo : lo + (hi - lo) * static_cast<double>(k) / static_cast<double>(n - 1);
  }
  return out;
}

template <class T>
void write_image(h5::File& file, std::string_view object, std::span<const T> data,
                 std::uint32_t rows, std::uint32_t cols) {
  const std::array<std::size_t, 2> shape{rows, cols};
  file.write<T>(object, data, shape);
}

void write_geometry(h5::File& file, const SaxsDetector& detector) {
  const formats::PoniGeometry& g = detector.geometry();
  const formats::PoniParameters& p = g.parameters();
  file.set_attribute("/geometry", "dist_m", p.dist);
  file.set_attribute("/geometry", "poni1_m", p.poni1);
  file.set_attribute("/geometry", "poni2_m", p.poni2);
  file.set_attribute("/geometry", "rot1_rad", p.rot1);
  file.set_attribute("/geometry", "rot2_rad", p.rot2);
  file.set_attribute("/geometry", "rot3_rad", p.rot3);
  file.set_attribute("/geometry", "wavelength_m", p.wavelength);
  file.set_attribute("/geometry", "pixel1_m", p.pixel1);
  file.set_attribute("/geometry", "pixel2_m", p.pixel2);
  file.set_attribute("/geometry", "rows", std::int64_t{p.rows});
  file.set_attribute("/geometry", "cols", std::int64_t{p.cols});
  file.set_attribute("/geometry", "polarization_factor", detector.polarization_factor());
  const auto centre = g.beam_centre();
  file.set_attribute("/geometry", "beam_centre_row", centre[0]);
  file.set_attribute("/geometry", "beam_centre_col", centre[1]);
  file.set_attribute("/geometry", "poni", g.to_poni_text());
  write_image(file, "/geometry/q_nm", detector.q(), detector.rows(), detector.cols());
  // The pure solid angle and the polarisation factor apart, as pyFAI applies its corrections
  // one by one; the counts use their product (the detector's efficiency()).
  const std::size_t n = detector.pixel_count();
  std::vector<float> solid_angle(n);
  std::vector<float> polarization(n);
  const double factor = detector.polarization_factor();
  for (std::uint32_t i = 0; i < detector.rows(); ++i) {
    for (std::uint32_t j = 0; j < detector.cols(); ++j) {
      const std::size_t k = static_cast<std::size_t>(i) * detector.cols() + j;
      solid_angle[k] = static_cast<float>(g.solid_angle_sr(i, j));
      polarization[k] = static_cast<float>(g.polarization(i, j, factor));
    }
  }
  write_image<float>(file, "/geometry/solid_angle_sr", solid_angle, detector.rows(),
                     detector.cols());
  write_image<float>(file, "/geometry/polarization", polarization, detector.rows(),
                     detector.cols());
  file.set_attribute("/geometry/polarization", "polarization_factor", factor);
}

void write_mask(h5::File& file, const SaxsDetector& detector) {
  const SaxsDetectorSettings& s = detector.settings();
  write_image(file, "/detector/pixel_mask", detector.mask(), detector.rows(), detector.cols());
  const auto count = [&](std::uint32_t bit) {
    return static_cast<std::int64_t>(detector.count_masked(bit));
  };
  file.set_attribute("/detector", "dtype", dtype_name(s.dtype));
  file.set_attribute("/detector", "masked_value",
                     s.dtype == wire::DType::U16 ? std::int64_t{0xFFFF} : std::int64_t{0xFFFFFFFF});
  file.set_attribute("/detector", "mask_bits", "1 gap, 2 dead, 8 hot, 256 beamstop (NeXus)");
  file.set_attribute("/detector", "gap_pixels", count(kMaskGap));
  file.set_attribute("/detector", "dead_pixels", count(kMaskDead));
  file.set_attribute("/detector", "hot_pixels", count(kMaskHot));
  file.set_attribute("/detector", "beamstop_pixels", count(kMaskBeamstop));
  file.set_attribute("/detector", "pixel_size_um", s.pixel_size_um);
  file.set_attribute("/detector", "module_rows", std::int64_t{s.module_rows});
  file.set_attribute("/detector", "module_cols", std::int64_t{s.module_cols});
  file.set_attribute("/detector", "gap_rows", std::int64_t{s.gap_rows});
  file.set_attribute("/detector", "gap_cols", std::int64_t{s.gap_cols});
  file.set_attribute("/detector", "beamstop_radius_mm", s.beamstop_radius_mm);
  file.set_attribute("/detector", "beamstop_arm_width_mm", s.beamstop_arm_width_mm);
  file.set_attribute("/detector", "beamstop_arm_angle_deg", s.beamstop_arm_angle_deg);
  file.set_attribute("/detector", "dark_counts_per_s", s.dark_counts_per_s);
}

void write_sample_attributes(h5::File& file, const SaxsConfig& config, const SaxsSample& sample) {
  const SaxsSampleSettings& s = sample.settings();
  const SaxsStageLimits& l = sample.limits();
  const std::string g = "/sample";
  file.set_attribute(g, "model", kModel);
  for (const auto& [name, value] : std::initializer_list<std::pair<const char*, double>>{
           {"x_min_mm", l.x_min_mm},
           {"x_max_mm", l.x_max_mm},
           {"y_min_mm", l.y_min_mm},
           {"y_max_mm", l.y_max_mm},
           {"temperature_min_c", l.temperature_min_c},
           {"temperature_max_c", l.temperature_max_c},
           {"boundary_x_mm", s.boundary_x_mm},
           {"boundary_width_mm", s.boundary_width_mm},
           {"reference_temperature_c", s.reference_temperature_c},
           {"sphere_radius_min_nm", s.sphere_radius_min_nm},
           {"sphere_radius_max_nm", s.sphere_radius_max_nm},
           {"sphere_polydispersity_min", s.sphere_polydispersity_min},
           {"sphere_polydispersity_max", s.sphere_polydispersity_max},
           {"sphere_volume_fraction_peak", s.sphere_volume_fraction_peak},
           {"sphere_volume_fraction_floor", s.sphere_volume_fraction_floor},
           {"sphere_swelling_per_c", s.sphere_swelling_per_c},
           {"sphere_contrast", s.sphere_contrast},
           {"structure_factor", s.structure_factor ? 1.0 : 0.0},
           {"cylinder_radius_nm", s.cylinder_radius_nm},
           {"cylinder_length_min_nm", s.cylinder_length_min_nm},
           {"cylinder_length_max_nm", s.cylinder_length_max_nm},
           {"cylinder_polydispersity", s.cylinder_polydispersity},
           {"cylinder_volume_fraction", s.cylinder_volume_fraction},
           {"cylinder_growth_per_c", s.cylinder_growth_per_c},
           {"cylinder_contrast", s.cylinder_contrast},
           {"thickness_mm", s.thickness_mm},
           {"transmission", s.transmission},
           {"background_per_cm", s.background_per_cm},
           {"target_q_nm", s.target_q_nm},
           {"dome_x_mm", sample.dome_x_mm()},
           {"dome_y_mm", sample.dome_y_mm()},
           {"dome_sigma_x_mm", sample.dome_sigma_x_mm()},
           {"dome_sigma_y_mm", sample.dome_sigma_y_mm()},
           {"dome_temperature_c", sample.dome_temperature_c()},
           {"dome_sigma_temperature_c", sample.dome_sigma_temperature_c()},
           {"flux_photons_per_s", config.beam.flux_photons_per_s}}) {
    file.set_attribute(g, name, value);
  }
}

}  // namespace

void write_saxs_truth(const std::filesystem::path& path, const SaxsConfig& config,
                      const SaxsSample& sample, const SaxsDetector& detector,
                      const SaxsScatteringModel& model) {
  h5::File file = h5::File::create(path);
  file.set_attribute("/", "instrument", config.common.name);
  file.set_attribute("/", "modality", "saxs");
  file.set_attribute("/", "seed", static_cast<std::int64_t>(config.common.seed));
  file.set_attribute("/", "description",
                     "Ground truth of the simulated SAXS instrument: geometry (pyFAI PONI), "
                     "pixel mask, true structure over the stage and ideal I(q) curves");
  write_geometry(file, detector);
  write_mask(file, detector);
  write_sample_attributes(file, config, sample);

  const SaxsStageLimits& l = sample.limits();
  const auto temperatures = grid(l.temperature_min_c, l.temperature_max_c, kTruthTemperatures);
  const auto xs = grid(l.x_min_mm, l.x_max_mm, kTruthGridX);
  const auto ys = grid(l.y_min_mm, l.y_max_mm, kTruthGridY);
  file.write<double>("/sample/x_mm", xs);
  file.write<double>("/sample/y_mm", ys);
  file.write<double>("/sample/temperature_c", temperatures);

  constexpr std::size_t kQuantities = 11;
  constexpr std::array<std::string_view, kQuantities> kNames = {"sphere_share",
                                                                "sphere_radius_nm",
                                                                "sphere_polydispersity",
                                                                "sphere_volume_fraction",
                                                                "cylinder_radius_nm",
                                                                "cylinder_length_nm",
                                                                "cylinder_polydispersity",
                                                                "cylinder_volume_fraction",
                                                                "forward_intensity_per_cm",
                                                                "guinier_radius_nm",
                                                                "intensity_at_target_per_cm"};
  const std::size_t cells = temperatures.size() * ys.size() * xs.size();
  std::array<std::vector<double>, kQuantities> values;
  for (auto& v : values) v.reserve(cells);
  const double q_target = sample.settings().target_q_nm;
  for (const double t : temperatures) {
    for (const double y : ys) {
      for (const double x : xs) {
        const SampleStructure s = sample.structure_at(x, y, t);
        const std::array<double, kQuantities> row = {s.sphere_share,
                                                     s.spheres.radius_nm,
                                                     s.spheres.polydispersity,
                                                     s.spheres.volume_fraction,
                                                     s.cylinders.radius_nm,
                                                     s.cylinders.length_nm,
                                                     s.cylinders.polydispersity,
                                                     s.cylinders.volume_fraction,
                                                     s.forward_intensity_per_cm,
                                                     s.guinier_radius_nm,
                                                     model.intensity_at(s, q_target)};
        for (std::size_t k = 0; k < kQuantities; ++k) values[k].push_back(row[k]);
      }
    }
  }
  const std::array<std::size_t, 3> shape{temperatures.size(), ys.size(), xs.size()};
  for (std::size_t k = 0; k < kQuantities; ++k) {
    const std::string object = "/sample/" + std::string(kNames[k]);
    file.write<double>(object, values[k], shape);
  }
  file.set_attribute("/sample/intensity_at_target_per_cm", "target_q_nm", q_target);

  const auto curve_xs = grid(l.x_min_mm, l.x_max_mm, kTruthCurvesX);
  const auto curve_ys = grid(l.y_min_mm, l.y_max_mm, kTruthCurvesY);
  file.write<double>("/curves/q_nm", model.q());
  file.write<double>("/curves/x_mm", curve_xs);
  file.write<double>("/curves/y_mm", curve_ys);
  file.write<double>("/curves/temperature_c", temperatures);
  std::vector<double> curves;
  curves.reserve(temperatures.size() * curve_ys.size() * curve_xs.size() * model.points());
  for (const double t : temperatures) {
    for (const double y : curve_ys) {
      for (const double x : curve_xs) {
        const IntensityCurve c = model.curve(sample.structure_at(x, y, t));
        curves.insert(curves.end(), c.intensity().begin(), c.intensity().end());
      }
    }
  }
  const std::array<std::size_t, 4> curve_shape{temperatures.size(), curve_ys.size(),
                                               curve_xs.size(), model.points()};
  file.write<double>("/curves/intensity_per_cm", curves, curve_shape);
  file.flush();
}

}  // namespace edgeloop::sims
