// The 4D-STEM virtual-detector stage: per frame the virtual BF and ADF signals, the total
// intensity and the centre of mass (DPC), and live maps of them over the scan as frames
// arrive in any order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>

#include "edgeloop/pipeline/stage.hpp"
#include "edgeloop/pipeline/stem/cuda_virtual_detectors.hpp"
#include "edgeloop/pipeline/stem/kokkos_virtual_detectors.hpp"
#include "edgeloop/pipeline/stem/scan_maps.hpp"

namespace edgeloop {

// Parameters (unknown keys and bad values: std::invalid_argument naming the key):
//   scan_nx, scan_ny   required integers > 0: the map size; a frame's scan_index is
//                      y * scan_nx + x and must lie in [0, scan_nx * scan_ny)
//   centre_x, centre_y pattern centre in pixels (VirtualDetectorGeometry's convention);
//                      default: the detector centre (cols - 1) / 2, (rows - 1) / 2
//   bf_radius          default: min(rows, cols) / 8 (1.5x the simulator's disc of size/12)
//   adf_inner          default: bf_radius
//   adf_outer          default: min(rows, cols) / 2 (the detector's inscribed circle)
//   com_radius         default 0: the whole frame
//   backend            auto (default: CUDA when a device is present) | cpu | cuda
// Defaults that depend on the detector are resolved from the first frame, which fixes the
// detector shape for the run; the effective parameters show them as null and the resolved
// geometry is the run-level product "detector_geometry".
//
// Per frame: "virtual_bf" [1], "virtual_adf" [1], "com" [2] (x, y in px), "total_intensity"
// [1]. Run level (snapshot and finish): "virtual_bf_map", "virtual_adf_map", "com_x_map",
// "com_y_map", "dpc_magnitude_map" (|mean COM|), each [scan_ny, scan_nx] with NaN where
// unvisited and the mean of the visits elsewhere, "visited_map" (visit counts), and, once a
// frame has arrived, "detector_geometry" [6] (centre_x, centre_y, bf_radius, adf_inner,
// adf_outer, com_radius; px).
//
// A frame is refused (an exception, counted as failed by Stage) when it is not a 2-D image of
// the run's detector shape with a supported dtype, or its scan index is off the grid. A batch
// is checked as a whole before any map changes, so a refused batch leaves no trace.
class StemVirtualDetectorStage final : public Stage {
 public:
  enum class Backend { Kokkos, Cuda };

  StemVirtualDetectorStage();
  ~StemVirtualDetectorStage() override;

  Backend backend() const { return backend_; }

 private:
  std::string_view stage_name() const override { return "stem_virtual_detectors"; }
  std::string_view stage_version() const override { return "1.0.0"; }
  nlohmann::json apply_parameters(const nlohmann::json& parameters) override;
  void process_frame(const Frame& frame, std::vector<Product>& out) override;
  void process_frames(std::span<const Frame* const> frames,
                      std::vector<std::vector<Product>>& out) override;
  void snapshot_products(std::vector<Product>& out) const override;
  std::size_t preferred_batch_size() const override;

  // Builds the table and backend from the first frame's shape.
  void prepare(const Frame& first);
  // Throws unless `frame` can be reduced and mapped; returns its pixels.
  std::span<const std::byte> checked_pixels(const Frame& frame) const;
  void compute(std::span<const Frame* const> frames, std::span<VirtualDetectorSignals> out);

  Backend backend_ = Backend::Kokkos;
  std::uint32_t scan_nx_ = 0;
  std::uint32_t scan_ny_ = 0;
  // Unset: resolved from the first frame.
  std::optional<double> centre_x_;
  std::optional<double> centre_y_;
  std::optional<double> bf_radius_;
  std::optional<double> adf_inner_;
  std::optional<double> adf_outer_;
  double com_radius_ = 0.0;

  std::optional<KokkosVirtualDetectors> kokkos_;
  std::optional<CudaVirtualDetectors> cuda_;
  std::vector<std::span<const std::byte>> batch_pixels_;
  std::vector<VirtualDetectorSignals> batch_signals_;

  // snapshot() may run on another thread than process(); the maps are the only state both see.
  mutable std::mutex maps_mutex_;
  std::optional<ScanMaps> maps_;
  std::optional<VirtualDetectorGeometry> geometry_;
};

}  // namespace edgeloop
