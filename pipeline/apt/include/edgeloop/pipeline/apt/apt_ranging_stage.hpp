// The atom probe's live reductions as a stage: mass spectrum, ranging (.rrng) into ion counts and
// a composition with counting errors, background level, and a bounded point-projection cloud.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "edgeloop/formats/rrng_file.hpp"
#include "edgeloop/pipeline/apt/apt_ranging_parameters.hpp"
#include "edgeloop/pipeline/apt/background_estimate.hpp"
#include "edgeloop/pipeline/apt/ion_decomposition.hpp"
#include "edgeloop/pipeline/apt/mass_spectrum_binning.hpp"
#include "edgeloop/pipeline/apt/point_cloud_reservoir.hpp"
#include "edgeloop/pipeline/stage.hpp"

namespace edgeloop {

// Parameters: apt_ranging_parameters.hpp. The effective parameters add `elements` (the
// composition axis: element i is elements[i]), `range_ions`, `range_low`, `range_high` (the
// range axis, RangeTable order; index ranges.size() is "unranged"), `spectrum_bins`, the
// true `mz_max` and `ranges_sha256` (of the file's bytes).
//
// Per chunk (an Events frame: wire::Event hits and the chunk's voltage_v):
//  composition  [elements]  atomic fractions of the chunk's ranged atoms, binomial errors
//               (background-corrected from the chunk's own window count when subtracting)
//  ion_counts   [ranges + 1] ions per range, then unranged; Poisson errors
//  chunk_ions   [5]  events, ranged, unranged, events in multiple hits (pulses with > 1 hit),
//               pulses the chunk covers (events / pulses: the detection rate)
// Snapshot and finish (the run so far):
//  mass_spectrum  [bins] counts, axis mass_to_charge (Da, bin centres); Poisson errors
//  composition    [elements] cumulative (background-corrected when background_subtract)
//  ranged_counts  [ranges + 1] as ion_counts, cumulative
//  element_counts [elements] atoms per element behind the composition
//  background_level  [1] counts/Da at the window's centre, with its error  } only with a
//  range_background  [ranges] background counts expected in each range     } background_window
//  reconstruction [n, 4] x, y, z (nm; z = depth from the first ion's apex), range index (-1
//                 unranged); a uniform sample of at most max_points ions (when enabled)
class AptRangingStage final : public Stage {
 private:
  std::string_view stage_name() const override { return "apt_ranging"; }
  std::string_view stage_version() const override { return "1.0.0"; }
  nlohmann::json apply_parameters(const nlohmann::json& parameters) override;
  void process_frame(const Frame& frame, std::vector<Product>& out) override;
  void snapshot_products(std::vector<Product>& out) const override;

  // Range counts (ranges + 1) with the background taken off when background_subtract is set.
  std::vector<double> corrected_counts(std::span<const std::uint64_t> counts,
                                       std::uint64_t in_window) const;
  Product composition_product(std::span<const std::uint64_t> counts, std::uint64_t in_window) const;
  Product range_counts_product(const char* name, std::span<const std::uint64_t> counts) const;

  bool configured_ = false;
  AptRangingParameters params_{};
  formats::RangeTable table_{};
  IonDecomposition decomposition_{};
  MassSpectrumBinning binning_{};
  std::optional<BackgroundEstimate> background_{};
  std::vector<double> range_low_;
  std::vector<double> range_high_;
  std::vector<double> range_share_;  // background share of each range
  std::vector<double> ion_volume_;   // per range, then unranged (nm^3)

  // Run totals.
  std::vector<std::uint64_t> spectrum_;
  std::vector<std::uint64_t> range_counts_;
  std::uint64_t in_window_ = 0;
  double apex_depth_nm_ = 0.0;
  std::optional<PointCloudReservoir> reservoir_{};

  // Per-chunk scratch, kept to avoid an allocation per chunk.
  std::vector<double> mass_to_charge_;
  std::vector<std::int32_t> range_index_;
  std::vector<double> xyz_;
  std::vector<std::uint64_t> chunk_counts_;
};

}  // namespace edgeloop
