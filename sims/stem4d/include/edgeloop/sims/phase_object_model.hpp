// The phase-object pattern model: the probe as a wave, the specimen under it as a thin
// transmission function, the detector pattern as the exit wave's far field, computed with FFTs.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "edgeloop/sims/pattern_model.hpp"
#include "edgeloop/sims/poisson_counter.hpp"

namespace edgeloop::sims {

struct PhaseObjectSettings {
  // Film thickness in nm of one unit of Stem4DSpecimen::thickness_at() (which the kinematic
  // model reads as mean free paths).
  double thickness_unit_nm = 20.0;
  // The coherent beam's intensity falls as exp(-absorption x thickness): electrons scattered
  // thermally and inelastically, out of the elastic pattern.
  double absorption_per_unit = 0.3;
  // Where those electrons go: a diffuse halo on the detector (true) or lost (false).
  bool thermal_diffuse = true;

  // Throws std::invalid_argument naming the setting that is out of range.
  void validate() const;
};

// Single-slice wave optics, per frame:
//  1. probe: P(k) = A(k) exp(-i chi(k)) in reciprocal space, A the condenser aperture (radius
//     alpha / lambda, a raised-cosine rim at least one detector pixel wide), chi the defocus
//     and Cs phase; an inverse FFT gives the probe on an N x N real-space window, apodised to
//     zero at the window's edge (computed once per defocus value);
//  2. specimen: t(r) = exp(i sigma V(r) - mu(r) / 2), V the projected crystal potential built
//     from the phase's first two shells of Fourier components, rotated with the grain, scaled
//     by the local thickness and shifted by any strain field; sampled where it is, so a window
//     may straddle grains, the hole's edge, a twin boundary or an inclusion; mu the absorption;
//  3. pattern: |FFT(probe x t)|^2 on the detector's pixels, plus the absorbed electrons as a
//     diffuse halo (thermal_diffuse), blurred by the detector PSF; render() then counts
//     Poisson electrons, adds dark counts and saturates at the pixel type's maximum.
// Sampling: two FFT pixels per detector pixel and axis, summed 2 x 2 as a pixel integrates
// intensity, with the detector pixel alpha / lambda / (size / 12) wide, so the bright-field
// disc has the kinematic model's radius and a phase's discs sit at spot_radius(). N = 3 size
// spans +-9 bright-field radii, so reflections out to 12 fold off the detector, not onto it.
// The window is then 2 (size / 12) / (alpha / lambda) nm wide (15.7 nm at 96 px, 300 kV,
// 2 mrad), which bounds the defocus: the defocused probe, |df| alpha in radius, must fit in
// it (max_defocus_nm(): 2.4 um at 96 px, 300 kV, 2 mrad; it scales as size lambda / alpha^2).
//
// FFTW plans (FFTW_ESTIMATE, so every model picks the same algorithm and frames are bit for
// bit reproducible across models and runs) are made once, in the constructor. FFTW's planner
// is not thread-safe: construct and destroy models on one thread at a time. render() reuses the
// model's buffers (one model per thread); expected() uses buffers of its own, so const calls
// may run concurrently.
class PhaseObjectModel final : public PatternModel {
 public:
  PhaseObjectModel(Stem4DSpecimen specimen, DetectorSettings detector, ProbeOptics optics,
                   PhaseObjectSettings settings, std::uint64_t seed);
  ~PhaseObjectModel() override;
  PhaseObjectModel(PhaseObjectModel&& other) noexcept;

  std::string_view name() const override { return "phase-object"; }
  double max_defocus_nm() const override { return max_defocus_nm_; }
  const PhaseObjectSettings& settings() const { return settings_; }
  std::uint32_t grid_size() const { return grid_; }
  double window_nm() const { return window_nm_; }

 private:
  struct Engine;  // FFTW plans and buffers, kept out of this header
  struct Workspace;

  void render_counts(double x, double y, const ProbeState& probe, Counts out) override;
  void expected_counts(double x, double y, const ProbeState& probe,
                       std::span<double> out) const override;
  // Expected counts (without dark counts) into work's pattern.
  void compute(double x, double y, const ProbeState& probe, Workspace& work) const;
  void build_probe(double defocus_nm, Workspace& work) const;
  void fill_exit_wave(double x, double y, Workspace& work) const;
  // |FFT(work.wave)|^2 x scale on the detector's pixels.
  void transform_to_detector(Workspace& work, double scale, std::vector<double>& out) const;

  PhaseObjectSettings settings_;
  std::uint32_t grid_;  // N
  double window_nm_;    // L
  double max_defocus_nm_;
  std::unique_ptr<Engine> engine_;
  PoissonCounter counter_;
};

}  // namespace edgeloop::sims
