// The ground truth a simulated 4D-STEM scan looks at: a polycrystalline film of Voronoi grains
// of three phases, a hole in one corner and a smooth thickness map, all fixed by one seed.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace edgeloop::sims {

enum class Lattice { Hexagonal, Square };

// A crystalline phase as diffraction sees it: its 2-D reciprocal lattice. The spacing is in
// units of the bright-field disc radius (the probe's convergence semi-angle), the natural unit
// of a diffraction pattern: spots closer than 2 of these would overlap the central disc.
struct Phase {
  std::string_view name;
  Lattice lattice;
  double g_over_bf;  // length of the shortest reciprocal-lattice vector
};

// What the specimen is at one probe position.
struct SpecimenPoint {
  bool vacuum = false;
  int phase = -1;            // index into phases(); kVacuumPhase in the hole
  int grain = -1;            // Voronoi cell, also meaningful under the hole
  double orientation = 0.0;  // in-plane rotation in radians, in [0, symmetry angle)
  double thickness = 0.0;    // in mean free paths for scattering; 0 in the hole
};

// Immutable after construction, so one specimen can be shared by threads and queried for the
// ground truth while frames of it are rendered.
class Stem4DSpecimen {
 public:
  static constexpr int kVacuumPhase = -1;

  // The scan field is [0, width) x [0, height) in scan-grid units; the seed fixes grains,
  // phases, orientations and the thickness undulation.
  Stem4DSpecimen(std::uint64_t seed, double width, double height);

  static std::span<const Phase> phases();

  SpecimenPoint at(double x, double y) const;
  bool is_vacuum(double x, double y) const;
  int phase_at(double x, double y) const;
  double orientation_at(double x, double y) const;
  double thickness_at(double x, double y) const;

  std::size_t grain_count() const { return grains_.size(); }
  // Seed point of a grain: a position that is inside it (unless the hole covers it).
  std::array<double, 2> grain_centre(std::size_t grain) const;
  int grain_phase(std::size_t grain) const { return grains_.at(grain).phase; }
  double width() const { return width_; }
  double height() const { return height_; }

 private:
  struct Grain {
    double x;
    double y;
    int phase;
    double orientation;
  };

  std::size_t nearest_grain(double x, double y) const;
  // Distance into the film from the edge of the hole, 0 inside the hole.
  double depth_into_film(double x, double y) const;

  double width_;
  double height_;
  double hole_radius_;
  std::vector<Grain> grains_;
  // Phases and spatial frequencies of the gentle thickness undulation.
  std::array<double, 4> undulation_{};
};

}  // namespace edgeloop::sims
