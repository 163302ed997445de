// SAXS reduction of each detector frame: azimuthal integration to I(q) with Poisson errors,
// then Guinier and Porod analysis, plus the run's exposure-weighted mean curve.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "edgeloop/pipeline/saxs/azimuthal_integrator.hpp"
#include "edgeloop/pipeline/saxs/saxs_integration_parameters.hpp"
#include "edgeloop/pipeline/stage.hpp"

namespace edgeloop::saxs {

// Parameters: saxs_integration_parameters.hpp. Frames: images of the geometry's rows × cols of
// any wire dtype, pixels marked invalid by their value (the dtype's maximum for u8/u16/u32) left
// out of that frame; anything else (another shape, events, an undecoded payload, no exposure
// time under normalize_exposure) is refused with std::invalid_argument.
//
// Per frame (I = Σcounts / (Σ solid angle × polarisation · flux_normalization [· exposure_s]),
// unit U the radial unit's, e.g. nm⁻¹; empty bins NaN):
//   "iq"              [bins] I with Poisson σ; axis "q" (U); units intensity_units
//   "guinier"         [2] Rg (1/U), I0 (I's units) with standard errors; NaN when no Guinier
//                     range is found; units "<length>, <intensity units>"
//   "porod_invariant" [1] Q = ∫ I q² dq over the measured range, with σ; units
//                     "<I> nm^-3" (or "<I> A^-3")
// Snapshot and finish (once a frame has been processed):
//   "iq_mean"              [bins] Σ_frames counts / Σ_frames (Σweight · divisor): the pooled
//                          mean, in which each frame weighs by its exposure when
//                          normalize_exposure is set; Poisson σ of the pooled counts
//   "guinier_mean", "porod_invariant_mean"  as above, of iq_mean
class SaxsIntegrationStage final : public Stage {
 public:
  SaxsIntegrationStage() = default;

  // The integrator in use; nullptr before configure().
  const AzimuthalIntegrator* integrator() const { return integrator_ ? &*integrator_ : nullptr; }

 private:
  std::string_view stage_name() const override { return "saxs_azimuthal_integration"; }
  std::string_view stage_version() const override { return "1.0.0"; }
  nlohmann::json apply_parameters(const nlohmann::json& parameters) override;
  void process_frame(const Frame& frame, std::vector<Product>& out) override;
  void snapshot_products(std::vector<Product>& out) const override;

  // "iq", "guinier" and "porod_invariant" of one curve, each name followed by `suffix`.
  void append_curve_products(const BinnedSums& sums, double divisor, const std::string& suffix,
                             std::vector<Product>& out) const;

  SaxsIntegrationParameters settings_;
  std::optional<AzimuthalIntegrator> integrator_;
  BinnedSums frame_sums_;  // reused from frame to frame

  mutable std::mutex run_mutex_;  // snapshot() may come from another thread than process()
  BinnedSums run_sums_;           // norm holds Σ_frames Σweight · divisor
  std::uint64_t run_frames_ = 0;
};

}  // namespace edgeloop::saxs
