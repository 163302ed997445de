// Electron counting of one direct-detector frame: finds each electron's charge cloud by a
// threshold and a 3 x 3 local maximum, and reports the events with how much of the frame's
// charge they account for (the error counting introduces).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "edgeloop/pipeline/lossy/counted_event.hpp"
#include "edgeloop/pipeline/lossy/frame_pixels.hpp"

namespace edgeloop::lossy {

struct ElectronCounterSettings {
  double gain_adu = 1.0;        // mean charge of one electron, ADU (1 for frames in counts)
  double threshold_adu = 0.15;  // a pixel must exceed this (pedestal removed) to be an event
  // Cluster-sum check: the 3 x 3 sum around a maximum must reach this, else it is noise.
  double min_cluster_adu = 0.5;
  double pedestal_adu = 0.0;  // subtracted from every pixel first
  // false: one electron per event (counting proper); true: round(cluster / gain), at least 1,
  // which recovers some electrons that landed together.
  bool weight_by_charge = false;
};

// What counting did to one frame. The error measure is charge closure: the frame's total
// signal over the gain is the electrons that arrived (read noise averages out of the sum), and
// counting_loss = (integrated - counted) / max(integrated, 1) is the share of them the events
// miss (coincidence loss at high dose, > 0) or invent (noise, hot pixels, < 0). It needs a
// right gain; with a wrong one it is biased by the ratio. Read noise makes it scatter by
// counting_loss_error = noise x sqrt(pixels) / gain / max(integrated, 1) (one standard
// deviation), with the noise measured on the frame itself: the rms of the pixels farther than
// 2 px from any pixel above the threshold (at counting doses, most of them), quantisation of
// integer frames included. When fewer than 64 such pixels are left, 1.4826 x the median
// absolute pixel value stands in. (The electron-to-electron spread of the deposit adds
// gain_spread x sqrt(integrated) electrons, not included.)
struct CountingReport {
  std::size_t events = 0;
  double electrons_counted = 0.0;     // the events' electrons
  double charge_adu = 0.0;            // the whole frame's signal, pedestal removed
  double electrons_integrated = 0.0;  // charge_adu / gain
  double counting_loss = 0.0;
  double noise_adu = 0.0;  // estimated read noise (rms per pixel)
  double counting_loss_error = 0.0;
  // Raw frame bytes over the events' bytes as wire::Event (24 B each; at least one event).
  double compression_ratio = 0.0;
};

// A pixel is an event when, pedestal removed, it exceeds the threshold and is the maximum of
// its 3 x 3 neighbourhood; ties go to the first pixel in row-major order, so a flat top is
// counted once. Its position is the centroid of the neighbourhood's positive signal, its charge
// the neighbourhood's sum (detail/electron_cluster.hpp). Costs a pass over the frame plus a few
// operations per candidate, and a second pass for the noise estimate.
class ElectronCounter {
 public:
  // std::invalid_argument for a non-finite or non-positive gain, or a negative threshold or
  // cluster minimum.
  explicit ElectronCounter(ElectronCounterSettings settings);

  const ElectronCounterSettings& settings() const { return settings_; }

  // pixels: row-major, shape.pixels() values; events are appended to `events`.
  // raw_bytes: the frame's size as it arrived, for the compression ratio.
  // Reuses scratch: one counter per thread.
  CountingReport count(std::span<const double> pixels, ImageShape shape, std::size_t raw_bytes,
                       std::vector<CountedEvent>& events);
  // The report of a frame whose events and summed charge (pedestal removed, non-finite pixels
  // left out) were found elsewhere, e.g. by KokkosElectronDetector.
  CountingReport report(std::span<const double> pixels, ImageShape shape, std::size_t raw_bytes,
                        std::span<const CountedEvent> frame_events, double charge_adu);

 private:
  static void check(std::span<const double> pixels, ImageShape shape);
  // The read noise's rms per pixel, estimated from the frame (see CountingReport).
  double noise(std::span<const double> pixels, ImageShape shape);

  ElectronCounterSettings settings_;
  // Scratch for the noise estimate.
  std::vector<std::uint8_t> near_signal_;
  std::vector<double> magnitudes_;
};

}  // namespace edgeloop::lossy
