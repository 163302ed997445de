// The electron-counting stage: compresses each frame of a direct electron detector into sparse
// electron events and reports, per frame and for the run, how much of the signal counting lost.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <vector>

#include "edgeloop/pipeline/lossy/electron_counter.hpp"
#include "edgeloop/pipeline/lossy/kokkos_electron_detector.hpp"
#include "edgeloop/pipeline/stage.hpp"

namespace edgeloop::lossy {

// Parameters (unknown keys and bad values: std::invalid_argument naming the key):
//   gain_adu           > 0, default 1: mean signal of one electron (1 for frames in counts)
//   threshold_adu      >= 0, default 0.15 x gain_adu: a pixel above it may be an event
//   min_cluster_adu    >= 0, default 0.5 x gain_adu: least 3 x 3 cluster sum of an event
//   pedestal_adu       default 0: subtracted from every pixel
//   weight_by_charge   default false: an event counts round(cluster / gain) electrons (>= 1)
//   max_stored_events  0..10^8, default 10^6: events kept for the run-level event table (5
//                      doubles each); later events are counted but not kept
//   backend            loop (default: one plain pass, the fastest on a host core) | kokkos
//                      (the same rule as Kokkos kernels, for threaded or device builds; needs
//                      a live KokkosRuntime); both give the same events
//
// Per frame (each [1]): "counted_electrons", "integrated_electrons" (frame signal / gain),
// "counting_loss" ((integrated - counted) / max(integrated, 1); see CountingReport; its
// errors the read-noise scatter, also those of "integrated_electrons"),
// "counting_events", "counting_compression_ratio" (raw pixel bytes / 24 B per wire::Event),
// "counting_event_offset" (row of the frame's first event in "electron_events", -1 when its
// events were not kept or it has none).
// Run level, snapshot: "counting_summary" [8] (frames, events, counted electrons, integrated
// electrons, run loss = 1 - counted / integrated, run compression ratio, events kept, events
// not kept), "counting_loss_by_frame" [frames] (axis "sequence", arrival order). finish adds
// "counting_by_frame" [frames, 6] (sequence, events, counted, integrated, loss, compression
// ratio) and "electron_events" [kept, 5] (frame sequence, x px, y px, charge ADU, electrons;
// pixel (row i, column j) centred at x = j, y = i): the columns of wire::Event for electrons
// (pulse = frame, x, y, weight) plus the charge.
//
// Any 2-D image of any dtype is counted; anything else is refused (a stage failure).
class ElectronCountingStage final : public Stage {
 public:
  static constexpr std::size_t kDefaultMaxStoredEvents = 1'000'000;

  ElectronCountingStage();

 private:
  std::string_view stage_name() const override { return "electron_counting"; }
  std::string_view stage_version() const override { return "1.0.0"; }
  nlohmann::json apply_parameters(const nlohmann::json& parameters) override;
  void process_frame(const Frame& frame, std::vector<Product>& out) override;
  void snapshot_products(std::vector<Product>& out) const override;
  void finish_products(std::vector<Product>& out) override;

  struct FrameRow {
    double sequence;
    double events;
    double counted;
    double integrated;
    double loss;
    double compression_ratio;
  };

  std::optional<ElectronCounter> counter_;
  std::optional<KokkosElectronDetector> kokkos_;  // set for the kokkos backend
  std::size_t max_stored_events_ = kDefaultMaxStoredEvents;
  std::vector<double> pixels_;  // scratch
  std::vector<CountedEvent> events_;

  // snapshot() may run on another thread than process(); the run's tallies are all both see.
  mutable std::mutex mutex_;
  std::vector<FrameRow> rows_;
  std::vector<double> event_table_;  // 5 values per kept event
  std::size_t events_not_kept_ = 0;
  double raw_bytes_ = 0.0;
};

}  // namespace edgeloop::lossy
