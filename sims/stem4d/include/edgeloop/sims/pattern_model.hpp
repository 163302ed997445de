// What a simulated pixelated detector records with the probe at one scan position over a
// Stem4DSpecimen: the interface the 4D-STEM instrument renders its frames through, whichever
// physics (kinematic sketch or phase-object wave optics) fills it in.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <variant>
#include <vector>

#include "edgeloop/sims/probe_optics.hpp"
#include "edgeloop/sims/stem4d_specimen.hpp"

namespace edgeloop::sims {

struct DetectorSettings {
  std::uint32_t size = 96;              // pixels per side of the square detector, 16..4096
  double dark_counts_per_pixel = 1e-3;  // detector noise per frame, beam or not
  double psf_sigma_px = 0.0;            // Gaussian point-spread function; 0 = ideal detector
};

// The beam for one frame, as the instrument's actuators set it.
struct ProbeState {
  double electrons = 0.0;   // dose at this position: beam current x dwell time / e
  double defocus_nm = 0.0;  // within +-PatternModel::max_defocus_nm()
  bool blanked = false;     // a blanked beam leaves dark counts only
  // How often the probe has been at exactly this position before: a revisit is a new exposure
  // with its own noise, so averaging repeated frames reduces it as on the instrument.
  std::uint32_t visit = 0;
};

// The public calls validate their arguments (std::invalid_argument) and hand over to the
// model's private hooks. Geometry is common to every model: the detector spans +-6 convergence
// semi-angles, so the bright-field disc has a radius of size/12 pixels and a phase's discs sit
// at g lambda / alpha disc radii from the centre.
//
// Noise: render() draws Poisson counts from a generator seeded by (seed, x, y, probe.visit),
// with the exact bits of x and y, so the first visit to a position gives the same frame
// whatever order a scan visits it in (scan strategies are compared on the same measurements),
// and each revisit is a fresh exposure. The dose and defocus are deliberately not in the seed:
// each frame is still an exact Poisson draw; only frames of one visit under different probe
// states share their random numbers. The draws are random.hpp's, not <random>'s
// distributions, so a frame is the same with every standard library.
//
// render() reuses scratch buffers: use one model per thread. The const calls, expected()
// included, may run concurrently with each other.
class PatternModel {
 public:
  virtual ~PatternModel() = default;
  PatternModel& operator=(const PatternModel&) = delete;
  PatternModel& operator=(PatternModel&&) = delete;

  // "kinematic" or "phase-object".
  virtual std::string_view name() const = 0;

  const Stem4DSpecimen& specimen() const { return specimen_; }
  const DetectorSettings& detector() const { return detector_; }
  const ProbeOptics& optics() const { return optics_; }
  std::uint64_t seed() const { return seed_; }

  std::uint32_t size() const { return detector_.size; }
  std::size_t pixel_count() const { return static_cast<std::size_t>(size()) * size(); }
  // Pattern centre in pixel coordinates, where pixel (row i, column j) spans
  // [j, j+1) x [i, i+1); x runs along columns.
  std::array<double, 2> centre() const { return {centre_, centre_}; }
  double bright_field_radius() const { return bf_radius_; }
  // Distance of a phase's first-order Bragg discs from the centre, in pixels.
  double spot_radius(int phase) const;
  // Pixels per 1/nm of spatial frequency on the detector.
  double pixels_per_inverse_nm() const { return bf_radius_ / optics_.aperture_per_nm(); }
  // Largest |defocus| the model renders correctly; infinite where defocus plays no part. An
  // instrument should reject defocus commands beyond it: render() and expected() throw
  // std::invalid_argument for them.
  virtual double max_defocus_nm() const = 0;

  // Counts with Poisson noise, row-major, out.size() == pixel_count(); saturate at the type's
  // maximum, as on a counting detector.
  void render(double x, double y, const ProbeState& probe, std::span<std::uint8_t> out);
  void render(double x, double y, const ProbeState& probe, std::span<std::uint16_t> out);
  void render(double x, double y, const ProbeState& probe, std::span<std::uint32_t> out);

  // The noise-free expectation of render() (before saturation): what the counts average to.
  void expected(double x, double y, const ProbeState& probe, std::span<double> out) const;

 protected:
  using Counts =
      std::variant<std::span<std::uint8_t>, std::span<std::uint16_t>, std::span<std::uint32_t>>;

  // Throws std::invalid_argument for bad optics or detector settings.
  PatternModel(Stem4DSpecimen specimen, DetectorSettings detector, ProbeOptics optics,
               std::uint64_t seed);
  PatternModel(const PatternModel&) = default;
  PatternModel(PatternModel&&) = default;

  std::uint64_t noise_seed(double x, double y, std::uint32_t visit) const;
  // A diffuse (thermal and inelastic) background: a Gaussian of `sigma` pixels about the
  // centre, each pixel its exact integral, cut at the detector's edge and renormalised so it
  // sums to 1.
  std::vector<double> gaussian_halo(double sigma) const;

 private:
  // Called with validated arguments; a blanked probe arrives with 0 electrons.
  virtual void render_counts(double x, double y, const ProbeState& probe, Counts out) = 0;
  virtual void expected_counts(double x, double y, const ProbeState& probe,
                               std::span<double> out) const = 0;

  ProbeState checked(double x, double y, const ProbeState& probe, std::size_t pixels,
                     const char* call) const;

  Stem4DSpecimen specimen_;
  DetectorSettings detector_;
  ProbeOptics optics_;
  std::uint64_t seed_;
  double centre_;
  double bf_radius_;
};

}  // namespace edgeloop::sims
