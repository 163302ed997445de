// A direct-electron detector read out frame by frame for electron counting (hybrid-pixel or
// MAPS): the ADU frame it records for a pattern of expected electrons, and where each electron
// really landed, so that a counting algorithm can be scored against the truth.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "edgeloop/sims/poisson_counter.hpp"

namespace edgeloop::sims {

struct CountingDetectorSettings {
  std::uint32_t size = 96;  // pixels per side of the square sensor, 16..4096
  // Lateral spread of one electron's charge cloud (Gaussian sigma), 0..2 px; 0 puts all of it
  // in the pixel it lands in. Direct detectors at 200-300 kV show 0.3-0.5 px once the
  // multiple-scattering track is folded in.
  double cloud_sigma_px = 0.4;
  double gain_adu = 100.0;          // mean charge one electron deposits, summed over pixels, ADU
  double gain_spread = 0.1;         // relative rms of that deposit, electron by electron
  double read_noise_adu = 2.5;      // Gaussian rms per pixel and frame
  double hot_pixel_fraction = 0.0;  // pixels reading hot_pixel_adu more in every frame
  double hot_pixel_adu = 500.0;
  double dead_pixel_fraction = 0.0;  // pixels that read neither signal nor noise (0 ADU)
};

// Where an electron entered the sensor, in the pattern model's pixel coordinates: pixel
// (row i, column j) spans [j, j+1) x [i, i+1), so the pixel's centre is (j + 0.5, i + 0.5).
struct ElectronHit {
  double x = 0.0;
  double y = 0.0;
  double charge_adu = 0.0;  // what it deposited, before the sensor's edge took its share
};

struct CountingFrame {
  std::vector<float> adu;  // size x size, row-major, noise included, no pedestal
  std::vector<ElectronHit> electrons;
};

// Each exposure: a Poisson number of electrons per pixel of the expected image (the pattern
// model's expected(), best with its own PSF off, since the charge cloud is this detector's
// PSF), each landing uniformly within its pixel; each deposits gain x a log-normal factor of
// rms gain_spread, spread as a Gaussian cloud integrated over pixels (charge past the sensor's
// edge is lost); then Gaussian read noise on every pixel, hot pixels their offset, dead ones 0.
// Noise is seeded from (seed, frame index), hot and dead pixels from the seed alone: they are
// the sensor's, the same in every frame. Draws are random.hpp's, so a seed gives the same
// frames with every standard library. Reuses scratch: one detector per thread.
class CountingDetector {
 public:
  // std::invalid_argument for settings out of range.
  CountingDetector(CountingDetectorSettings settings, std::uint64_t seed);

  const CountingDetectorSettings& settings() const { return settings_; }
  std::uint32_t size() const { return settings_.size; }
  std::size_t pixel_count() const { return std::size_t{settings_.size} * settings_.size; }
  std::span<const std::uint32_t> hot_pixels() const { return hot_; }
  std::span<const std::uint32_t> dead_pixels() const { return dead_; }

  // expected.size() == pixel_count(), every value finite and >= 0 (std::invalid_argument).
  void expose(std::span<const double> expected, std::uint64_t frame_index, CountingFrame& out);

  // The frame as an ADC delivers it: adu + pedestal, rounded and clamped to 0..65535. A
  // pedestal of a few read-noise widths keeps the noise unclipped, so sums stay unbiased.
  static void digitize(std::span<const float> adu, double pedestal_adu,
                       std::span<std::uint16_t> out);

 private:
  void deposit(double x, double y, double charge, std::span<float> adu) const;

  CountingDetectorSettings settings_;
  std::uint64_t seed_;
  std::vector<std::uint32_t> hot_;
  std::vector<std::uint32_t> dead_;
  std::vector<std::uint32_t> counts_;
  PoissonCounter counter_;
};

}  // namespace edgeloop::sims
