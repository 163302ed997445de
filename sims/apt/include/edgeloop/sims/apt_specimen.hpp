// The ground truth a simulated atom probe evaporates: an alloy needle (Al-Cu-Mg with Cu-Mg
// clusters by default), its atoms on a lattice with natural isotopes, all fixed by one seed.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "edgeloop/formats/isotopes.hpp"

namespace edgeloop::sims {

// An element and a fraction: its amount in a phase as an atomic fraction (0.014 for
// 1.4 at.%), or another per-element fraction such as its share of doubly charged ions.
struct AptElementFraction {
  std::string symbol;
  double fraction = 0.0;
};

// Spherical solute clusters (GP zones, co-clusters) scattered at random through the matrix.
struct AptClusterSettings {
  double number_density_per_nm3 = 1e-3;  // 1e24 m^-3, typical of an aged Al-Cu-Mg alloy
  double radius_nm = 1.5;
  double radius_sigma_nm = 0.3;  // Gaussian spread of the radii
  // Balance: the base element.
  std::vector<AptElementFraction> composition{{"Mg", 0.10}, {"Cu", 0.25}};
};

struct AptSpecimenSettings {
  // The needle: a cone of half-angle shank_half_angle_deg capped by a hemisphere of radius
  // tip_radius_nm at the apex; length_nm of it can be evaporated.
  double tip_radius_nm = 30.0;
  double shank_half_angle_deg = 5.0;
  double length_nm = 100.0;
  // Atoms sit on an fcc lattice with [001] along the needle axis (Al: 0.405 nm).
  double lattice_constant_nm = 0.405;
  std::string base = "Al";
  // Solid solution; balance: the base element. The default and the clusters make an
  // Al-1.7Cu-0.3Mg (at.%) alloy overall.
  std::vector<AptElementFraction> matrix{{"Mg", 0.002}, {"Cu", 0.014}};
  AptClusterSettings clusters{};
};

// Depth is measured along the needle axis from the initial apex into the specimen (nm);
// x and y are across it, parallel to the detector's x and y axes.
struct AptCluster {
  double x;
  double y;
  double depth;
  double radius;
};

// One atom of the specimen. `key` is the apex depth at which field evaporation reaches it:
// the needle evaporates in increasing order of key.
struct AptAtom {
  double key;
  float x;
  float y;
  float depth;
  std::uint8_t element;  // index into AptSpecimen::elements()
  std::uint8_t isotope;  // index into that element's isotopes
  std::uint8_t phase;    // AptSpecimen::kMatrix or kCluster
};

// Only the core of the needle that the detector sees is built (the field of view: atoms whose
// direction from the apex centre is within fov_half_angle of the axis); the rest would fly past
// the detector anyway. Atoms are made lazily, one lattice plane at a time, each plane from its
// own seed, so a plane is the same whichever order or how often it is built.
// Immutable after construction; plane_atoms() may be called from any thread.
class AptSpecimen {
 public:
  static constexpr std::uint8_t kMatrix = 0;
  static constexpr std::uint8_t kCluster = 1;

  // std::invalid_argument naming the setting for a bad value (unknown element, fractions
  // that do not leave a positive balance, a field of view wider than the shank allows...).
  AptSpecimen(AptSpecimenSettings settings, double fov_half_angle_rad, std::uint64_t seed);

  const AptSpecimenSettings& settings() const { return settings_; }
  double fov_half_angle() const { return fov_half_angle_; }
  // The base element first, then the others by atomic number.
  std::span<const formats::Element* const> elements() const { return elements_; }
  // Atomic fractions per element of elements(), summing to 1.
  const std::vector<double>& matrix_composition() const { return matrix_; }
  const std::vector<double>& cluster_composition() const { return cluster_; }
  // Expected overall composition of the simulated volume: matrix and clusters weighted by
  // the volume the clusters take up in it.
  std::vector<double> overall_composition() const;
  std::span<const AptCluster> clusters() const { return clusters_; }
  // Fraction of the simulated volume inside clusters.
  double cluster_volume_fraction() const;

  // Radius of the hemispherical cap when the apex has receded to apex_depth: the tip blunts as
  // it evaporates down the cone, R = R0 + depth·sin(a)/(1 - sin(a)).
  double cap_radius(double apex_depth) const;
  // Radius of the simulated core at a depth.
  double region_radius(double depth) const;
  double region_volume_nm3() const;
  // fcc: four atoms per cubic lattice cell.
  double atomic_density_per_nm3() const;

  double plane_spacing() const { return plane_spacing_; }
  std::uint64_t plane_count() const { return plane_count_; }
  // No atom of this plane or any deeper one has a smaller key.
  double min_key(std::uint64_t plane) const;
  // Appends plane `plane`'s atoms (depth plane·plane_spacing) to out, in no particular order.
  void plane_atoms(std::uint64_t plane, std::vector<AptAtom>& out) const;

 private:
  struct PhaseTable {
    std::vector<double> cumulative;  // per element of elements_
  };

  void place_clusters(std::uint64_t seed);

  AptSpecimenSettings settings_;
  double fov_half_angle_;
  std::uint64_t seed_;
  std::vector<const formats::Element*> elements_;
  std::vector<double> matrix_;
  std::vector<double> cluster_;
  PhaseTable matrix_table_;
  PhaseTable cluster_table_;
  std::vector<std::vector<double>> isotope_cumulative_;  // per element
  std::vector<AptCluster> clusters_;                     // by increasing depth
  double max_cluster_radius_ = 0.0;
  double blunting_;  // dR/d(depth)
  double sin_fov_;
  double plane_spacing_;
  std::uint64_t plane_count_;
  double key_jitter_;
};

}  // namespace edgeloop::sims
