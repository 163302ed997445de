// One crystal defect of a Stem4DSpecimen, as the ground truth lists it: where it is, how large
// and which crystal it disturbs.
#pragma once

namespace edgeloop::sims {

enum class DefectKind {
  Void,              // a cavity: the film is thinner over a disc
  Inclusion,         // a small precipitate of another phase, with its own orientation
  TwinBoundary,      // a straight mirror boundary that twins part of one grain
  DislocationDipole  // two edge dislocations of opposite Burgers vectors and their strain field
};

// Positions and lengths are in scan-grid units, angles in radians towards +y. Fields that do not
// apply to a kind are 0 (grain, phase: -1).
struct Defect {
  DefectKind kind = DefectKind::Void;
  // Void, inclusion: the centre. Twin boundary: a point on the boundary line. Dipole: the
  // midpoint between the two cores.
  double x = 0.0;
  double y = 0.0;
  // The footprint Stem4DSpecimen::defect_at() reports. Void, inclusion: the radius. Twin
  // boundary: half the width of the band along the boundary. Dipole: a disc holding both cores.
  double radius = 0.0;
  // Twin boundary: direction of the boundary line. Dipole: direction of the Burgers vector of
  // the first core (at the midpoint plus half the separation, to the left of the vector); the
  // second core's is opposite.
  double angle = 0.0;
  double depth = 0.0;       // void: fraction of the film's thickness missing at its centre
  double separation = 0.0;  // dipole: distance between the cores
  double burgers = 0.0;     // dipole: length of the Burgers vector, one lattice translation
  double range = 0.0;       // dipole: radius beyond which the strain field is cut off (tapered)
  int grain = -1;           // the grain it sits in (a void may reach into neighbours)
  int phase = -1;           // inclusion: its own phase; twin, dipole: the grain's
  // Inclusion: its lattice orientation. Twin boundary: the twinned side's. Dipole: the grain's.
  double orientation = 0.0;
};

}  // namespace edgeloop::sims
