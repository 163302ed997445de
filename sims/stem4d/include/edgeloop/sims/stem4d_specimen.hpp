// The ground truth a simulated 4D-STEM scan looks at: a polycrystalline film of Voronoi grains
// of three phases, a hole in one corner, a smooth thickness map and a few defects, all fixed by
// one seed.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "edgeloop/sims/reciprocal_lattice.hpp"
#include "edgeloop/sims/specimen_defect.hpp"

namespace edgeloop::sims {

// A crystalline phase as diffraction sees it: its 2-D reciprocal lattice and how strongly it
// scatters. Where its discs land on a detector depends on the optics (the convergence angle
// sets the bright-field disc), so the spacing is physical, not in detector units.
struct Phase {
  std::string_view name;
  Lattice lattice;
  double g_per_nm;     // length of the shortest reciprocal-lattice vector, 1/d, in 1/nm
  double potential_v;  // Fourier coefficient of the crystal potential at first order, in volts
};

// The undistorted crystal a point belongs to (its grain's, the twinned part's or an
// inclusion's): a wave-optics model builds the crystal potential from it.
struct LatticeFrame {
  double orientation = 0.0;        // direction of b1 in radians, in [0, symmetry angle)
  std::array<double, 2> origin{};  // a lattice point, in scan-grid units
};

// What the specimen is at one probe position.
struct SpecimenPoint {
  bool vacuum = false;
  int phase = -1;            // index into phases(); kVacuumPhase in the hole
  int grain = -1;            // Voronoi cell, also meaningful under the hole
  double orientation = 0.0;  // local in-plane rotation in radians, in [0, symmetry angle):
                             // the crystal's, plus the lattice rotation of a strain field
  double thickness = 0.0;    // in mean free paths for scattering; 0 in the hole
  int defect = -1;           // index into defects() of the defect here (see defect_at), or -1
  LatticeFrame lattice{};    // the crystal before any strain
  // Displacement of the lattice by a strain field, in scan-grid units; zero elsewhere.
  std::array<double, 2> displacement{};
};

// Immutable after construction, so one specimen can be shared by threads and queried for the
// ground truth while frames of it are rendered.
class Stem4DSpecimen {
 public:
  static constexpr int kVacuumPhase = -1;
  static constexpr int kNoDefect = -1;

  // What may matter within `radius` of a point: the grains whose cells may reach into the
  // disc, the defects that may act there and the hole's edge. at(x, y, near) classifies any
  // point of the disc by looking at these alone, which makes sampling the specimen densely
  // under a probe cheap.
  struct Neighbourhood {
    double x = 0.0;
    double y = 0.0;
    double radius = 0.0;
    std::vector<std::uint32_t> grains;   // ascending
    std::vector<std::uint32_t> defects;  // ascending
    bool hole_edge = false;              // the disc may cross the edge of the hole
    // One crystal with a smooth thickness throughout: a single grain, the hole's edge, a twin
    // boundary, an inclusion, a void or a strain field nowhere in the disc.
    bool uniform = false;
  };

  // The scan field is [0, width) x [0, height) in scan-grid units, each nm_per_unit nm long
  // (it sets the scale of the strain fields and of a wave-optics probe). The seed fixes grains,
  // phases, orientations, the thickness undulation and the defects.
  Stem4DSpecimen(std::uint64_t seed, double width, double height, double nm_per_unit = 1.0);

  static std::span<const Phase> phases();

  SpecimenPoint at(double x, double y) const;
  // The same answer as at(x, y) for a point within near.radius of near's centre.
  SpecimenPoint at(double x, double y, const Neighbourhood& near) const;
  Neighbourhood neighbourhood(double x, double y, double radius) const;
  // The same for a disc that lies within `within`'s disc, looking only at its candidates:
  // cheap, for dividing a neighbourhood into smaller ones.
  Neighbourhood neighbourhood(double x, double y, double radius, const Neighbourhood& within) const;

  bool is_vacuum(double x, double y) const;
  int phase_at(double x, double y) const;
  double orientation_at(double x, double y) const;
  double thickness_at(double x, double y) const;

  // A handful of voids and inclusions, one twin boundary and one dislocation dipole (fewer in a
  // field too small for them), in the film, away from the field's edges.
  std::span<const Defect> defects() const { return defects_; }
  // Index into defects() of the defect whose footprint holds the point (the first one listed
  // if several do), or kNoDefect.
  int defect_at(double x, double y) const;

  std::size_t grain_count() const { return grains_.size(); }
  // Seed point of a grain: a position that is inside it (unless the hole covers it).
  std::array<double, 2> grain_centre(std::size_t grain) const;
  int grain_phase(std::size_t grain) const { return grains_.at(grain).phase; }
  double grain_orientation(std::size_t grain) const { return grains_.at(grain).orientation; }
  double width() const { return width_; }
  double height() const { return height_; }
  double nm_per_unit() const { return nm_per_unit_; }

 private:
  struct Grain {
    double x;
    double y;
    int phase;
    double orientation;
  };

  std::size_t nearest_grain(double x, double y) const;
  template <class Grains>
  std::size_t nearest_of(double x, double y, const Grains& candidates) const;
  // Distance into the film from the edge of the hole, 0 inside the hole.
  double depth_into_film(double x, double y) const;
  double film_thickness(double x, double y, double depth) const;
  // Half the distance from a grain's seed to its nearest neighbour's: a disc of this radius
  // around the seed lies inside the grain.
  double inner_radius(std::size_t grain) const;
  void place_defects(std::uint64_t seed);
  SpecimenPoint classify(double x, double y, std::size_t grain,
                         std::span<const std::uint32_t> defects) const;
  Neighbourhood neighbourhood_among(double x, double y, double radius,
                                    std::span<const std::uint32_t> grains,
                                    std::span<const std::uint32_t> defects) const;

  double width_;
  double height_;
  double nm_per_unit_;
  double hole_radius_;
  std::vector<Grain> grains_;
  // Phases and spatial frequencies of the gentle thickness undulation.
  std::array<double, 4> undulation_{};
  std::vector<Defect> defects_;
  std::vector<std::uint32_t> all_grains_;   // 0..n-1, for neighbourhood()
  std::vector<std::uint32_t> all_defects_;  // 0..n-1, for at(x, y)
};

}  // namespace edgeloop::sims
