// Noise-free training and evaluation frames from the simulated instruments, with their labels:
// the 4D-STEM phase-object model over a Stem4DSpecimen, and the SAXS sample seen by the
// simulated detector binned to reduced resolution. Noise is drawn by the callers, so one
// expected frame gives the two independent draws Noise2Noise needs.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "edgeloop/sims/phase_object_model.hpp"
#include "edgeloop/sims/saxs_detector.hpp"
#include "edgeloop/sims/saxs_sample.hpp"
#include "edgeloop/sims/saxs_scattering.hpp"

namespace edgeloop::ml {

// 4D-STEM: the instrument's default optics and a 96 px detector; the specimen field is
// 1024 x 1024 scan units of 1 nm, as in config/sim-4dstem.toml.
class StemSource {
 public:
  static constexpr std::uint32_t kClasses = 4;  // vacuum, hex-a, square-b, hex-c
  static constexpr double kField = 1024.0;
  // Probe positions within this many scan units of another grain count as straddling a
  // boundary (the in-focus probe's Airy disc is about 0.6 nm in radius at 300 kV, 2 mrad).
  static constexpr double kBoundaryRadius = 1.0;
  // Interior: no other grain within this many units.
  static constexpr double kInteriorRadius = 6.0;

  StemSource(std::uint64_t seed, std::uint32_t detector_size = 96);

  std::uint32_t size() const { return model_.size(); }
  std::size_t pixel_count() const { return model_.pixel_count(); }
  // Noise-free counts for `electrons` at (x, y).
  void expected(double x, double y, double electrons, std::span<double> out) const;
  // 0 vacuum, 1 + the phase's index otherwise.
  int label(double x, double y) const;
  bool at_boundary(double x, double y) const;
  bool in_interior(double x, double y) const;
  // A random position of class `label` (rejection sampling; any position if none is found).
  std::array<double, 2> position_of(int label, std::mt19937_64& rng) const;
  // A random position within kBoundaryRadius / 2 of a boundary between two grains.
  std::array<double, 2> boundary_position(std::mt19937_64& rng) const;
  std::array<double, 2> interior_position(std::mt19937_64& rng) const;

  static std::vector<std::string> class_names();

 private:
  bool other_grain_within(double x, double y, double radius, int grain) const;

  sims::PhaseObjectModel model_;
};

// SAXS: the default instrument (config/sim-saxs.toml: 1024^2 EIGER-like detector, 2 m) with
// every frame summed over bin x bin pixel blocks, which is exact for Poisson counts (a block
// counts a Poisson number of its expected sum). Blocks without a working pixel are invalid.
class SaxsSource {
 public:
  static constexpr std::uint32_t kClasses = 2;  // spheres, cylinders

  SaxsSource(std::uint64_t seed, std::uint32_t bin = 4);

  std::uint32_t rows() const { return rows_; }
  std::uint32_t cols() const { return cols_; }
  std::size_t pixel_count() const { return std::size_t{rows_} * cols_; }
  std::uint32_t bin() const { return bin_; }
  // Binned noise-free counts at stage (x, y) mm, temperature t, exposure in seconds.
  void expected(double x_mm, double y_mm, double t_c, double exposure_s,
                std::span<double> out) const;
  std::span<const std::uint8_t> invalid() const { return invalid_; }
  // Invalid blocks and those touching the beamstop's shadow: what a reduction masks (the
  // truth file's pixel_mask), left out of the figures of merit.
  std::span<const std::uint8_t> masked() const { return masked_; }
  double sphere_share(double x_mm, double y_mm, double t_c) const;
  // 0 spheres (share >= 0.5), 1 cylinders.
  int label(double x_mm, double y_mm, double t_c) const;
  // A random stage state (x, y, T), of class `label` unless label < 0.
  std::array<double, 3> state_of(int label, std::mt19937_64& rng) const;

  static std::vector<std::string> class_names();

 private:
  std::uint32_t bin_;
  sims::SaxsStageLimits limits_;
  sims::SaxsSampleSettings sample_settings_;
  sims::SaxsDetector detector_;
  sims::SaxsSample sample_;
  sims::SaxsScatteringModel model_;
  double photons_cm_per_s_;
  double dark_per_s_;
  std::uint32_t rows_;
  std::uint32_t cols_;
  std::vector<std::uint8_t> invalid_;
  std::vector<std::uint8_t> masked_;
};

}  // namespace edgeloop::ml
