// The simulated SAXS area detector: a photon-counting pixel array with module gaps, a beamstop
// and a few bad pixels, that turns a scattering curve into expected and Poisson-noisy counts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "edgeloop/core/wire.hpp"
#include "edgeloop/formats/poni_geometry.hpp"
#include "edgeloop/sims/saxs_scattering.hpp"

namespace edgeloop::sims {

struct SaxsDetectorSettings {
  std::uint32_t rows = 1024;
  std::uint32_t cols = 1024;
  double pixel_size_um = 75.0;  // square pixels
  wire::DType dtype = wire::DType::U32;
  // Sensor modules of module_rows x module_cols pixels, separated by gap_rows dead rows and
  // gap_cols dead columns, repeating from pixel (0, 0); module_rows = 0, or a module at least
  // as large as the detector, means no gaps in that direction.
  std::uint32_t module_rows = 512;
  std::uint32_t module_cols = 512;
  std::uint32_t gap_rows = 12;
  std::uint32_t gap_cols = 8;
  // A disc centred on the direct beam, and the arm that holds it, running from the beam centre
  // to the detector edge in the direction arm_angle_deg (0: towards larger columns, 90: towards
  // larger rows). Radius 0 means no beamstop; arm width 0 means no arm.
  double beamstop_radius_mm = 1.5;
  double beamstop_arm_width_mm = 0.8;
  double beamstop_arm_angle_deg = 90.0;
  std::uint32_t dead_pixels = 6;    // count nothing
  std::uint32_t hot_pixels = 3;     // count without light; flagged, so reported like dead ones
  double dark_counts_per_s = 1e-3;  // per pixel, shutter open or closed
};

// Bits of the pixel mask, as in NeXus NXdetector/pixel_mask, so the truth file reads like a
// real detector's mask.
inline constexpr std::uint32_t kMaskGap = 1U << 0U;
inline constexpr std::uint32_t kMaskDead = 1U << 1U;
inline constexpr std::uint32_t kMaskHot = 1U << 3U;       // "over-responding"
inline constexpr std::uint32_t kMaskBeamstop = 1U << 8U;  // "user-defined mask"

// What one frame is exposed to.
struct Exposure {
  double photons_cm = 0.0;         // flux (photons/s) x time (s) x transmission x thickness (cm)
  double background_per_cm = 0.0;  // flat dΣ/dΩ added to the sample's (solvent, windows)
  double dark_counts = 0.0;        // per pixel in this frame
};

// Expected counts per pixel are
//   photons_cm · (I(q) + background) · ΔΩ · P + dark,
// with ΔΩ the pixel's solid angle (sr) and P pyFAI's polarisation factor, both at the pixel
// centre from the PONI geometry. Pixels the detector itself flags (module gaps, dead and hot
// pixels) report the dtype's maximum, as DECTRIS detectors mark their gaps; real counts
// therefore saturate one below it, so a count can never be mistaken for a mask mark. Pixels in
// the beamstop's shadow are working pixels that the detector knows nothing about: they count
// dark counts only (expected = dark), and only mask() (the truth file's mask) marks them.
//
// Per-pixel geometry (q, ΔΩ·P) is computed once at construction, so a frame costs an
// interpolation and a Poisson draw per pixel. Immutable after construction.
class SaxsDetector {
 public:
  // The geometry's shape and pixel pitch must match the settings. std::invalid_argument
  // naming the setting otherwise. `seed` places the dead and hot pixels.
  SaxsDetector(const SaxsDetectorSettings& settings, formats::PoniGeometry geometry,
               double polarization_factor, std::uint64_t seed);

  const SaxsDetectorSettings& settings() const { return settings_; }
  const formats::PoniGeometry& geometry() const { return geometry_; }
  double polarization_factor() const { return polarization_factor_; }
  std::uint32_t rows() const { return settings_.rows; }
  std::uint32_t cols() const { return settings_.cols; }
  std::size_t pixel_count() const { return mask_.size(); }
  std::size_t bytes_per_frame() const;

  // Row-major, pixel_count() values each. The mask holds the kMask* bits, beamstop included.
  std::span<const std::uint32_t> mask() const { return mask_; }
  std::span<const float> q() const { return q_; }                    // nm⁻¹
  std::span<const float> efficiency() const { return efficiency_; }  // ΔΩ (sr) · P
  // Largest q on the detector (masked pixels included): the extent an I(q) curve must cover.
  double q_max() const { return q_max_; }
  // Number of pixels with each mask bit set.
  std::size_t count_masked(std::uint32_t bits) const;

  // Noise-free expected counts; gaps, dead and hot pixels get 0, pixels under the beamstop
  // (and nothing else) get exposure.dark_counts. out.size() == pixel_count().
  void expected(const IntensityCurve& curve, const Exposure& exposure, std::span<double> out) const;
  // Poisson counts for an expected image drawn from `noise_seed` (random.hpp's generator and
  // Poisson draw, so the same frame with every standard library); gaps, dead and hot pixels
  // read the type's maximum, every other pixel (beamstop ones included) a count that saturates
  // at maximum - 1. T is std::uint16_t or std::uint32_t.
  template <class T>
  void render(std::span<const double> expected, std::uint64_t noise_seed, std::span<T> out) const;

 private:
  SaxsDetectorSettings settings_;
  formats::PoniGeometry geometry_;
  double polarization_factor_;
  std::vector<std::uint32_t> mask_;
  std::vector<float> q_;
  std::vector<float> efficiency_;
  double q_max_ = 0.0;
};

extern template void SaxsDetector::render<std::uint16_t>(std::span<const double>, std::uint64_t,
                                                         std::span<std::uint16_t>) const;
extern template void SaxsDetector::render<std::uint32_t>(std::span<const double>, std::uint64_t,
                                                         std::span<std::uint32_t>) const;

}  // namespace edgeloop::sims
