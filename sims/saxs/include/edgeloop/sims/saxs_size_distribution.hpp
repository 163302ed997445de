// Quadrature over a Schulz distribution of particle radii: the nodes and weights that turn a
// single-particle quantity into its average over a polydisperse population.
#pragma once

#include <vector>

namespace edgeloop::sims {

// One radius of the population and its share of the particles (number-weighted).
struct SizeNode {
  double radius_nm;
  double weight;  // the weights of one distribution sum to 1
};

// Largest relative width accepted: beyond it a Schulz distribution is so skewed that "radius"
// stops describing the population, and no real SAXS sample is modelled that way.
inline constexpr double kMaxPolydispersity = 0.5;

// Nodes for a Schulz (gamma) distribution with number-average radius `mean_nm` and relative
// standard deviation `polydispersity` (σ/mean, 0..kMaxPolydispersity), the usual model of
// colloids and micelles: f(R) ∝ R^z exp(-(z+1) R / mean), z = 1/p² - 1.
//
// Polydispersity 0 gives the one node (mean, 1). Otherwise Simpson's rule over
// [mean (1 - 5p), mean (1 + 7p)] (the distribution is skewed to large radii; the truncated
// tails hold < 1e-4 of the particles and the weights are renormalised). A form factor at q
// oscillates in R with period π/q, so the nodes are spaced at most π/(8 q_max): the average stays
// smooth up to q_max instead of aliasing. std::invalid_argument for a non-finite or
// out-of-range input.
std::vector<SizeNode> schulz_nodes(double mean_nm, double polydispersity, double q_max_nm);

// Moments <R^n> of the full (untruncated) Schulz distribution, exact:
// mean^n Π_{k=1..n} (z + k) / (z + 1); mean^n when polydispersity is 0.
double schulz_moment(double mean_nm, double polydispersity, int n);

}  // namespace edgeloop::sims
