// Renders the diffraction pattern a pixelated detector records with the probe at one scan
// position over a Stem4DSpecimen: bright-field disc, Bragg discs, diffuse halo, Poisson noise.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "edgeloop/sims/stem4d_specimen.hpp"

namespace edgeloop::sims {

struct DetectorSettings {
  std::uint32_t size = 96;                  // pixels per side of the square detector
  double electrons_per_position = 20000.0;  // dose delivered per probe position
  double dark_counts_per_pixel = 1e-3;      // detector noise per frame, beam or not
};

// The model is kinematic and deliberately simple (a later phase-object model replaces it
// behind the same render()/expected() interface):
//  - the unscattered beam fills the bright-field (BF) disc of radius size/12 with a soft edge;
//  - a film of thickness t (in mean free paths) scatters 1 - exp(-t) of the beam, 70% of it
//    into Bragg discs at the grain's reciprocal-lattice points (first order weight 1, second
//    order 1/4, all discs as large as the BF disc because they share its convergence angle),
//    30% into a diffuse Gaussian halo (thermal diffuse and inelastic scattering);
//  - reflections whose disc would leave the detector are left out and their share goes to
//    the others, so a frame always holds the full dose, as with a well-chosen camera length;
//  - each pixel counts Poisson(expected) electrons, plus dark counts, clipped to the dtype.
// Noise comes from a generator seeded by (seed, round(x), round(y)), so a position gives the
// same frame whatever order a scan visits it in. Frames are reproducible for one standard
// library; the distributions are not specified bit-for-bit across implementations.
//
// render() reuses scratch buffers: one model per thread.
class DiffractionModel {
 public:
  DiffractionModel(Stem4DSpecimen specimen, DetectorSettings settings, std::uint64_t seed);

  const Stem4DSpecimen& specimen() const { return specimen_; }
  const DetectorSettings& settings() const { return settings_; }
  std::size_t pixel_count() const { return static_cast<std::size_t>(size_) * size_; }

  // Pattern centre in pixel coordinates, where pixel (row i, column j) spans
  // [j, j+1) x [i, i+1); x runs along columns.
  std::array<double, 2> centre() const { return {centre_, centre_}; }
  double bright_field_radius() const { return bf_radius_; }
  // Distance from the centre of a phase's first-order Bragg discs, in pixels.
  double spot_radius(int phase) const;

  // Counts with Poisson noise, row-major, out.size() == pixel_count(). beam_fraction scales
  // the dose: 0 is a blanked beam (only dark counts), 1 the full beam.
  template <class T>
  void render(double x, double y, std::span<T> out, double beam_fraction = 1.0);

  // The noise-free expectation of render(): what the counts average to over many frames.
  void expected(double x, double y, std::span<double> out, double beam_fraction = 1.0) const;

 private:
  struct Disc {
    double cx;
    double cy;
    double electrons;
  };
  // Hexagonal lattices give the most discs: BF + 6 first + 6 second order.
  static constexpr std::size_t kMaxDiscs = 13;
  struct Pattern {
    std::array<Disc, kMaxDiscs> discs{};
    std::size_t disc_count = 0;
    double diffuse_electrons = 0.0;
  };

  Pattern pattern_at(double x, double y, double beam_fraction) const;
  // Adds each disc's expected counts, normalised over pixels so a disc holds exactly its
  // electrons wherever its centre falls between pixels.
  template <class F>
  void add_discs(const Pattern& pattern, std::span<F> out) const;
  std::uint64_t noise_seed(double x, double y) const;

  Stem4DSpecimen specimen_;
  DetectorSettings settings_;
  std::uint64_t seed_;
  std::uint32_t size_;
  double centre_;
  double bf_radius_;
  double edge_width_;
  double halo_sigma_;
  std::vector<double> halo_;  // diffuse halo, sums to 1 over the detector
  std::vector<float> rate_;   // scratch: expected disc counts per pixel
};

extern template void DiffractionModel::render<std::uint8_t>(double, double, std::span<std::uint8_t>,
                                                            double);
extern template void DiffractionModel::render<std::uint16_t>(double, double,
                                                             std::span<std::uint16_t>, double);
extern template void DiffractionModel::render<std::uint32_t>(double, double,
                                                             std::span<std::uint32_t>, double);

}  // namespace edgeloop::sims
