// Standard synthetic objectives (minimisation) with known optima, for the optimiser's tests
// and benchmark.
#pragma once

#include <span>

namespace edgeloop::bayes {

// Branin on [-5, 10] x [0, 15]; global minimum 0.397887 at three points.
double branin(std::span<const double> x);
inline constexpr double branin_minimum = 0.397887357729738;

// Hartmann6 on [0, 1]^6; global minimum -3.322368 at (0.20169, 0.150011, 0.476874, 0.275332,
// 0.311652, 0.6573).
double hartmann6(std::span<const double> x);
inline constexpr double hartmann6_minimum = -3.32236801141551;

}  // namespace edgeloop::bayes
