// Guinier analysis of a SAXS curve: the radius of gyration Rg and forward intensity I0 from the
// low-q region where ln I falls linearly with q², with the range found from the fit itself.
#pragma once

#include <cstddef>
#include <span>
#include <string>

namespace edgeloop::saxs {

struct GuinierOptions {
  double max_qrg = 1.3;        // the fit range ends at the last q with q·Rg <= this
  std::size_t min_points = 5;  // fewer usable points in range: no fit
  std::size_t max_iterations = 50;
};

// Rg in the inverse of q's unit (nm for q in nm⁻¹), I0 in I's unit. When valid is false every
// number is NaN and reason says why; otherwise reason is empty.
struct GuinierFit {
  bool valid = false;
  double rg;
  double rg_error;
  double i0;
  double i0_error;
  // The range fitted: indices into the input of its first and last point, its q bounds and how
  // many usable points lie in it.
  std::size_t first = 0;
  std::size_t last = 0;
  double q_first;
  double q_last;
  std::size_t points = 0;
  double reduced_chi2;  // Σ w r² / (points - 2); NaN for 2 points
  std::string reason;
};

// Fits ln I = ln I0 - q² Rg² / 3 by weighted least squares over the lowest-q usable points
// (finite q >= 0, finite I > 0 and, with errors, a finite σ > 0; others, such as empty bins, are
// skipped). The range starts at the first usable point; its end is found by iteration: fit the
// lowest min_points points, then refit over every point with q <= max_qrg / Rg, until the range
// stops changing.
//
// With `sigma` (one per point), the weights are 1/σ_lnI² with σ_lnI = σ/I and the standard
// errors come from the covariance of the fit taken as absolute; with `sigma` empty, unit weights
// and errors scaled by the residual scatter. σ(Rg) = 3 σ(slope) / (2 Rg), σ(I0) = I0 σ(ln I0).
//
// Not valid when too few usable points exist, when ln I does not fall with q² (slope >= 0),
// when fewer than min_points points satisfy q·Rg <= max_qrg, or when the range does not settle.
// std::invalid_argument when the spans differ in size or the options are out of range
// (max_qrg not > 0, min_points < 2).
GuinierFit guinier_fit(std::span<const double> q, std::span<const double> intensity,
                       std::span<const double> sigma, const GuinierOptions& options = {});

}  // namespace edgeloop::saxs
