// The kinematic pattern model: a fast sketch of what the detector records (bright-field disc,
// Bragg discs, diffuse halo, Poisson noise) without wave optics, for high frame rates.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string_view>
#include <vector>

#include "edgeloop/sims/detector_psf.hpp"
#include "edgeloop/sims/pattern_model.hpp"

namespace edgeloop::sims {

// The model is deliberately simple:
//  - the unscattered beam fills the bright-field (BF) disc of radius size/12 with a soft edge;
//  - a film of thickness t (in mean free paths) scatters 1 - exp(-t) of the beam, 70% of it
//    into Bragg discs at the grain's reciprocal-lattice points (first order weight 1, second
//    order 1/4, all discs as large as the BF disc because they share its convergence angle),
//    30% into a diffuse Gaussian halo (thermal diffuse and inelastic scattering);
//  - reflections whose disc would leave the detector are left out and their share goes to
//    the others, so a frame always holds the full dose, as with a well-chosen camera length;
//  - the detector PSF blurs the discs and widens the halo (a Gaussian blurred by a Gaussian);
//  - each pixel counts Poisson(expected) electrons, plus dark counts, clipped to the dtype.
// Defocus plays no part. Defects act through the specimen's phase, orientation and thickness.
class DiffractionModel final : public PatternModel {
 public:
  DiffractionModel(Stem4DSpecimen specimen, DetectorSettings detector, ProbeOptics optics,
                   std::uint64_t seed);
  // With the default optics.
  DiffractionModel(Stem4DSpecimen specimen, DetectorSettings detector, std::uint64_t seed);

  std::string_view name() const override { return "kinematic"; }
  double max_defocus_nm() const override { return std::numeric_limits<double>::infinity(); }

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

  void render_counts(double x, double y, const ProbeState& probe, Counts out) override;
  void expected_counts(double x, double y, const ProbeState& probe,
                       std::span<double> out) const override;
  template <class T>
  void render_typed(double x, double y, double electrons, std::uint32_t visit, std::span<T> out);

  Pattern pattern_at(double x, double y, double electrons) const;
  // Adds each disc's expected counts, normalised over pixels so a disc holds exactly its
  // electrons wherever its centre falls between pixels.
  void add_discs(const Pattern& pattern, std::span<double> out) const;

  double edge_width_;
  double halo_sigma_;
  std::vector<double> halo_;  // diffuse halo as detected, sums to 1 over the detector
  GaussianPsf psf_;
  std::vector<double> rate_;  // scratch: expected disc counts per pixel
};

}  // namespace edgeloop::sims
