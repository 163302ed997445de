// The ground-truth file of a simulated SAXS instrument: geometry, mask, the sample's true
// structure over the stage and temperature range, and its ideal scattering curves.
#pragma once

#include <filesystem>

#include "edgeloop/sims/saxs_config.hpp"
#include "edgeloop/sims/saxs_detector.hpp"
#include "edgeloop/sims/saxs_sample.hpp"
#include "edgeloop/sims/saxs_scattering.hpp"

namespace edgeloop::sims {

// Sizes of the tabulated grids.
inline constexpr std::size_t kTruthGridX = 41;
inline constexpr std::size_t kTruthGridY = 21;
inline constexpr std::size_t kTruthTemperatures = 5;
inline constexpr std::size_t kTruthCurvesX = 9;
inline constexpr std::size_t kTruthCurvesY = 5;

// HDF5 layout (arrays row-major; "[t, y, x]" means temperature slowest):
//   /                         attrs instrument, modality "saxs", seed, description
//   /geometry                 attrs dist_m, poni1_m, poni2_m, rot1_rad, rot2_rad, rot3_rad,
//                             wavelength_m, pixel1_m, pixel2_m, rows, cols,
//                             polarization_factor, beam_centre_row, beam_centre_col (continuous
//                             pixel coordinates), poni (the .poni file text, pyFAI version 2)
//   /geometry/q_nm            f32 [rows, cols]  q at each pixel centre
//   /geometry/solid_angle_sr  f32 [rows, cols]  the pixel's solid angle ΔΩ in sr, nothing else
//   /geometry/polarization    f32 [rows, cols]  pyFAI's polarisation factor P at each pixel;
//                             attr polarization_factor (the factor used). The counts scale
//                             with ΔΩ · P, so a reduction applies each correction once
//   /detector/pixel_mask      u32 [rows, cols]  NeXus bits: 1 gap, 2 dead, 8 hot, 256 beamstop
//                             (beamstop pixels are not marked in the frames: they read dark
//                             counts, so a reduction takes the beamstop from this mask)
//                             attrs dtype, masked_value, gap_pixels, dead_pixels, hot_pixels,
//                             beamstop_pixels, dark_counts_per_s, module and beamstop settings
//   /sample                   attrs model (the analytic model in words), every sample setting,
//                             the stage limits, and the seed-drawn dome (dome_x_mm, dome_y_mm,
//                             dome_sigma_x_mm, dome_sigma_y_mm, dome_temperature_c,
//                             dome_sigma_temperature_c), flux_photons_per_s
//   /sample/x_mm [41], /sample/y_mm [21], /sample/temperature_c [5]   the grid, limits included
//   /sample/<quantity>        f64 [t, y, x] for sphere_share, sphere_radius_nm,
//                             sphere_polydispersity, sphere_volume_fraction, cylinder_radius_nm,
//                             cylinder_length_nm, cylinder_polydispersity,
//                             cylinder_volume_fraction, forward_intensity_per_cm,
//                             guinier_radius_nm, and intensity_at_target_per_cm (dΣ/dΩ at
//                             target_q_nm, attribute target_q_nm)
//   /curves/q_nm [nq]         the grid the device interpolates from (0..q_max of the detector)
//   /curves/x_mm [9], /curves/y_mm [5], /curves/temperature_c [5]
//   /curves/intensity_per_cm  f64 [t, y, x, nq]  dΣ/dΩ(q) in cm⁻¹, no background
// H5Error when the file cannot be written.
void write_saxs_truth(const std::filesystem::path& file, const SaxsConfig& config,
                      const SaxsSample& sample, const SaxsDetector& detector,
                      const SaxsScatteringModel& model);

}  // namespace edgeloop::sims
