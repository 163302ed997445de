#include "edgeloop/pipeline/lossy/electron_counter.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "edgeloop/pipeline/lossy/detail/electron_cluster.hpp"

namespace edgeloop::lossy {

ElectronCounter::ElectronCounter(ElectronCounterSettings settings) : settings_(settings) {
  const ElectronCounterSettings& s = settings_;
  if (!std::isfinite(s.gain_adu) || s.gain_adu <= 0.0) {
    throw std::invalid_argument("electron counter: gain_adu must be finite and > 0");
  }
  if (!std::isfinite(s.threshold_adu) || s.threshold_adu < 0.0) {
    throw std::invalid_argument("electron counter: threshold_adu must be finite and >= 0");
  }
  if (!std::isfinite(s.min_cluster_adu) || s.min_cluster_adu < 0.0) {
    throw std::invalid_argument("electron counter: min_cluster_adu must be finite and >= 0");
  }
  if (!std::isfinite(s.pedestal_adu)) {
    throw std::invalid_argument("electron counter: pedestal_adu must be finite");
  }
}

double ElectronCounter::noise(std::span<const double> pixels, ImageShape shape) {
  const ElectronCounterSettings& s = settings_;
  const auto rows = static_cast<std::ptrdiff_t>(shape.rows);
  const auto cols = static_cast<std::ptrdiff_t>(shape.cols);
  // Mark every pixel within 2 px of a pixel above the threshold: a charge cloud's reach.
  constexpr std::ptrdiff_t kReach = 2;
  near_signal_.assign(pixels.size(), 0);
  for (std::ptrdiff_t i = 0; i < rows; ++i) {
    for (std::ptrdiff_t j = 0; j < cols; ++j) {
      const double v = pixels[static_cast<std::size_t>(i * cols + j)] - s.pedestal_adu;
      if (std::isfinite(v) && v <= s.threshold_adu) continue;
      for (std::ptrdiff_t ni = std::max<std::ptrdiff_t>(0, i - kReach);
           ni <= std::min(rows - 1, i + kReach); ++ni) {
        for (std::ptrdiff_t nj = std::max<std::ptrdiff_t>(0, j - kReach);
             nj <= std::min(cols - 1, j + kReach); ++nj) {
          near_signal_[static_cast<std::size_t>(ni * cols + nj)] = 1;
        }
      }
    }
  }
  double sum2 = 0.0;
  std::size_t quiet = 0;
  for (std::size_t p = 0; p < pixels.size(); ++p) {
    if (near_signal_[p] != 0U) continue;
    const double v = pixels[p] - s.pedestal_adu;
    sum2 += v * v;
    ++quiet;
  }
  if (quiet >= 64) return std::sqrt(sum2 / static_cast<double>(quiet));
  // A frame crowded with signal: the median magnitude (0.6745 sigma for a Gaussian) is the
  // best guess left.
  magnitudes_.resize(pixels.size());
  for (std::size_t p = 0; p < pixels.size(); ++p) {
    const double v = pixels[p] - s.pedestal_adu;
    magnitudes_[p] = std::isfinite(v) ? std::abs(v) : 0.0;
  }
  const auto middle = magnitudes_.begin() + static_cast<std::ptrdiff_t>(magnitudes_.size() / 2);
  std::nth_element(magnitudes_.begin(), middle, magnitudes_.end());
  return 1.4826 * *middle;
}

CountingReport ElectronCounter::count(std::span<const double> pixels, ImageShape shape,
                                      std::size_t raw_bytes, std::vector<CountedEvent>& events) {
  check(pixels, shape);
  const auto rows = static_cast<std::ptrdiff_t>(shape.rows);
  const auto cols = static_cast<std::ptrdiff_t>(shape.cols);
  const std::size_t first = events.size();
  double charge = 0.0;
  for (std::ptrdiff_t i = 0; i < rows; ++i) {
    for (std::ptrdiff_t j = 0; j < cols; ++j) {
      const double v = pixels[static_cast<std::size_t>(i * cols + j)] - settings_.pedestal_adu;
      if (std::isfinite(v)) charge += v;
      CountedEvent e;
      if (detail::electron_at(pixels.data(), rows, cols, i, j, settings_, e)) events.push_back(e);
    }
  }
  return report(pixels, shape, raw_bytes, std::span(events).subspan(first), charge);
}

void ElectronCounter::check(std::span<const double> pixels, ImageShape shape) {
  if (pixels.size() != shape.pixels() || pixels.empty()) {
    throw std::invalid_argument("electron counter: " + std::to_string(pixels.size()) +
                                " pixels for a " + std::to_string(shape.rows) + " x " +
                                std::to_string(shape.cols) + " frame");
  }
}

CountingReport ElectronCounter::report(std::span<const double> pixels, ImageShape shape,
                                       std::size_t raw_bytes,
                                       std::span<const CountedEvent> frame_events,
                                       double charge_adu) {
  check(pixels, shape);
  CountingReport report;
  report.events = frame_events.size();
  for (const CountedEvent& e : frame_events) report.electrons_counted += e.electrons;
  report.charge_adu = charge_adu;
  report.electrons_integrated = charge_adu / settings_.gain_adu;
  const double scale = std::max(report.electrons_integrated, 1.0);
  report.counting_loss = (report.electrons_integrated - report.electrons_counted) / scale;
  report.noise_adu = noise(pixels, shape);
  report.counting_loss_error =
      report.noise_adu * std::sqrt(static_cast<double>(pixels.size())) / settings_.gain_adu / scale;
  report.compression_ratio =
      static_cast<double>(raw_bytes) /
      static_cast<double>(std::max<std::size_t>(report.events, 1) * sizeof(wire::Event));
  return report;
}

}  // namespace edgeloop::lossy
