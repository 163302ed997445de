// Area-detector geometry in pyFAI's PONI convention: where each pixel sits relative to the
// sample and the beam (2θ, q, χ, solid angle, polarisation), and the .poni file that carries it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace edgeloop::formats {

// A .poni file that cannot be used. what() is "<file>:<line>: <problem>", or "<file>: <problem>"
// when the problem is not on one line (a missing key, an unreadable file).
class PoniError : public std::runtime_error {
 public:
  PoniError(std::string source, std::uint32_t line, std::string problem);

  const std::string& source() const { return source_; }
  std::uint32_t line() const { return line_; }  // 1-based; 0 when not about one line
  const std::string& problem() const { return problem_; }

 private:
  std::string source_;
  std::uint32_t line_;
  std::string problem_;
};

// The numbers of a .poni file, in pyFAI's units: metres and radians. Axis 1 is the detector's
// slow axis (rows, "y", vertical), axis 2 its fast axis (columns, "x", horizontal).
struct PoniParameters {
  double dist = 1.0;   // sample to detector plane, along the plane's normal (not along the beam)
  double poni1 = 0.0;  // point of normal incidence on the detector, from the corner of pixel
  double poni2 = 0.0;  // (0, 0), along axes 1 and 2
  double rot1 = 0.0;   // detector rotations, applied in this order: about axis 1 (vertical),
  double rot2 = 0.0;   // about axis 2 (horizontal), about axis 3 (the beam); the first two are
  double rot3 = 0.0;   // left-handed, as in pyFAI
  double wavelength = 1e-10;
  double pixel1 = 75e-6;   // pixel pitch along axis 1 (between rows)
  double pixel2 = 75e-6;   // pixel pitch along axis 2 (between columns)
  std::uint32_t rows = 1;  // detector shape, pyFAI's max_shape [rows, cols]
  std::uint32_t cols = 1;
  std::string detector = "Detector";  // pyFAI detector class name, kept for round trips
};

// Immutable after construction. Per-pixel queries take the pixel's (row, col) index and use the
// pixel centre, ((row + 0.5) * pixel1, (col + 0.5) * pixel2), as pyFAI's tth(d1, d2) does;
// fractional indices are allowed. The laboratory frame is pyFAI's: t3 along the beam, t1 along
// axis 1 and t2 along axis 2 of the unrotated detector.
//
// The rotation follows pyFAI's Geometry.calc_pos_zyx: with p = (p1 - poni1, p2 - poni2, dist)
// in the detector frame, the laboratory vector is R3(rot3) R2(rot2) R1(rot1) p with
//   R1 = [[1, 0, 0], [0, c1, s1], [0, -s1, c1]]   (about axis 1)
//   R2 = [[c2, 0, -s2], [0, 1, 0], [s2, 0, c2]]   (about axis 2)
//   R3 = [[c3, -s3, 0], [s3, c3, 0], [0, 0, 1]]   (about the beam)
// so that 2θ = atan2(sqrt(t1² + t2²), t3) and χ = atan2(t1, t2).
class PoniGeometry {
 public:
  // std::invalid_argument naming the parameter for a value that is not finite or out of range.
  explicit PoniGeometry(PoniParameters parameters);

  // Parses pyFAI's .poni text (poni_version 2 or 2.1; the detector must carry pixel1, pixel2
  // and max_shape in Detector_config); PoniError naming `source` and the line otherwise.
  static PoniGeometry from_poni_text(std::string_view text, const std::string& source);
  static PoniGeometry read(const std::filesystem::path& file);
  // poni_version 2 text that pyFAI (and from_poni_text) reads back to the same numbers.
  std::string to_poni_text() const;
  void write(const std::filesystem::path& file) const;  // PoniError if it cannot be written

  const PoniParameters& parameters() const { return p_; }
  std::uint32_t rows() const { return p_.rows; }
  std::uint32_t cols() const { return p_.cols; }
  std::size_t pixel_count() const { return static_cast<std::size_t>(p_.rows) * p_.cols; }

  // The pixel centre in the laboratory frame, metres: {t1, t2, t3}.
  std::array<double, 3> lab_vector(double row, double col) const;
  double two_theta(double row, double col) const;  // radians
  double q_nm(double row, double col) const;       // 4π sin(θ) / λ, in nm⁻¹
  double chi(double row, double col) const;        // azimuth in radians, in (-π, π]
  // cos³ of the angle between the ray and the detector normal: the pixel's solid angle
  // relative to a pixel at the PONI, which pyFAI calls the solid-angle correction.
  double solid_angle(double row, double col) const;
  // The pixel's solid angle in steradians: pixel1 * pixel2 / dist² * solid_angle().
  double solid_angle_sr(double row, double col) const;
  // pyFAI's polarisation factor: (1 + cos²2θ - factor cos(2(χ + axis_offset)) sin²2θ) / 2.
  // factor 0 is unpolarised, 1 fully polarised along axis 2 (horizontal), -1 along axis 1.
  double polarization(double row, double col, double factor, double axis_offset = 0.0) const;

  // Where the direct beam (2θ = 0) meets the detector plane, in continuous pixel coordinates
  // {row, col} (pixel (i, j) spans [i, i+1) x [j, j+1)); may lie outside the detector.
  // std::domain_error when the detector plane is parallel to the beam.
  std::array<double, 2> beam_centre() const;

  // Row-major arrays over the whole detector, pixel_count() values each.
  std::vector<double> two_theta_array() const;
  std::vector<double> q_array() const;
  std::vector<double> chi_array() const;
  std::vector<double> solid_angle_array() const;
  std::vector<double> polarization_array(double factor, double axis_offset = 0.0) const;

 private:
  // Position of the pixel centre relative to the PONI, in the detector plane.
  std::array<double, 2> in_plane(double row, double col) const;

  PoniParameters p_;
  // Columns of R3 R2 R1: lab vector = a * (p1 - poni1) + b * (p2 - poni2) + c * dist.
  std::array<double, 3> axis1_{};
  std::array<double, 3> axis2_{};
  std::array<double, 3> normal_{};
};

}  // namespace edgeloop::formats
